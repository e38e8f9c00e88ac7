"""The import contracts cover every module of core/ except core.web (DESIGN §1)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_core_module_but_web_is_under_the_no_flask_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    contract = next(c for c in contracts if c["type"] == "forbidden")
    covered = set(contract["source_modules"])
    files = {p.stem for p in (ROOT / "core").glob("*.py") if p.stem != "__init__"}
    packages = {p.parent.name for p in (ROOT / "core").glob("*/__init__.py")}
    modules = {f"core.{name}" for name in files | packages}
    assert modules - {"core.web"} == covered
    assert "flask" in contract["forbidden_modules"]
