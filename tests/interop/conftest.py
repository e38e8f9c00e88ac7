"""Fixtures that install and drive Digital Bazaar's reference JavaScript VC stack under Node."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parents[1]
JS_DIR = INTEROP_DIR / "js"
LOCKFILE = INTEROP_DIR / "package-lock.json"
NODE_MODULES = INTEROP_DIR / "node_modules"
# npm rewrites this hidden lockfile on every install, so its mtime says when node_modules was built.
INSTALLED_MARKER = NODE_MODULES / ".package-lock.json"
MIN_NODE_MAJOR = 20
NPM_CI_TIMEOUT_S = 900
NODE_TIMEOUT_S = 300

RunNode = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class NodeStack:
    """The installed JS stack: the node binary and the versions of the pinned packages."""

    node: str
    node_version: str
    installed_now: bool

    def run(
        self,
        script: str,
        *args: str | os.PathLike[str],
        stdin: str | dict[str, Any] | None = None,
        timeout: float = NODE_TIMEOUT_S,
    ) -> dict[str, Any]:
        """Run js/<script> with args (cwd = repo root) and return the one JSON object it prints.

        A non-zero exit code is a harness error, not a verification result: the test fails with
        the script's output.
        """
        data = json.dumps(stdin) if isinstance(stdin, dict) else stdin
        proc = subprocess.run(
            [self.node, str(JS_DIR / script), *(os.fspath(a) for a in args)],
            input=data,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            pytest.fail(
                f"node {script} exited {proc.returncode}\nstdout: {proc.stdout}\n"
                f"stderr: {proc.stderr}",
                pytrace=False,
            )
        try:
            result = json.loads(proc.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"node {script} printed no JSON object: {proc.stdout!r}", pytrace=False)
        if not isinstance(result, dict):
            pytest.fail(f"node {script} printed {type(result).__name__}, not an object")
        return result


def _require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.fail(
            f"`{binary}` is not on PATH: the interop tests need Node.js >= {MIN_NODE_MAJOR} "
            "and npm (Debian: apt-get install nodejs npm). Deselect them with -m 'not interop'.",
            pytrace=False,
        )
    return path


def _needs_install() -> bool:
    if not INSTALLED_MARKER.exists():
        return True
    return INSTALLED_MARKER.stat().st_mtime < LOCKFILE.stat().st_mtime


def _npm_ci(npm: str) -> None:
    proc = subprocess.run(
        [npm, "ci", "--prefix", str(INTEROP_DIR), "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=NPM_CI_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"npm ci --prefix tests/interop failed ({proc.returncode}):\n{proc.stdout}\n"
            f"{proc.stderr}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def node_stack() -> Iterator[NodeStack]:
    """Node plus tests/interop/node_modules, installed with `npm ci` when missing or stale."""
    node = _require("node")
    npm = _require("npm")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    major = int(version.lstrip("v").split(".")[0])
    if major < MIN_NODE_MAJOR:
        pytest.fail(f"Node.js {version} is too old; need >= {MIN_NODE_MAJOR}", pytrace=False)
    installed_now = False
    # One installer at a time (pytest-xdist workers, parallel CI jobs on one checkout).
    lock_path = Path(tempfile.gettempdir()) / "sceau-interop-npm-ci.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _needs_install():
                _npm_ci(npm)
                installed_now = True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    yield NodeStack(node=node, node_version=version, installed_now=installed_now)


@pytest.fixture(scope="session")
def run_node(node_stack: NodeStack) -> RunNode:
    """`run_node(script, *args, stdin=None) -> dict`: run tests/interop/js/<script>."""
    return node_stack.run
