"""Reading SCEAU_TRUSTED_ISSUERS: the DCC registry format and its variants, and a malformed
file stopping the start-up with a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigurationError
from core.settings import load_settings
from wsgi import create_app

DID = "did:web:universite-exemple.example"
DCC_REGISTRY = {
    "meta": {"created": "2020-12-02T02:32:16+0000", "updated": "2021-12-15T18:41:36+0000"},
    "registry": {
        "did:key:z6Mktpn6cXks1PBKLMgZH2VaahvCtBMF6K8eCa7HzrnuYLZv": {
            "name": "Example University 1 (DCC test-only issuer)",
            "location": "Cambridge, MA, USA",
            "url": "https://openlearning.mit.edu",
        },
        DID: {"name": "Université Exemple", "url": "https://universite-exemple.example"},
    },
}


def _settings(tmp_path: Path, document: Any, filename: str = "registry.json") -> Any:
    path = tmp_path / filename
    path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
    return load_settings({"SCEAU_INSTANCE_DIR": str(tmp_path), "SCEAU_TRUSTED_ISSUERS": str(path)})


def test_the_dcc_registry_format_is_read(tmp_path: Path) -> None:
    registry = _settings(tmp_path, DCC_REGISTRY, "dcc-community.json").trusted_issuers
    assert registry is not None and len(registry) == 2
    assert registry.name == "dcc-community"  # the format has no name: the file's
    entry = registry.lookup(DID)
    assert entry is not None and entry.name == "Université Exemple" and entry.location is None
    assert registry.lookup("did:web:other.example") is None


def test_the_variants_of_the_format_are_read(tmp_path: Path) -> None:
    # The wallet's bundled copies say "entries"; a name may sit at the top or in "meta".
    variant = {"meta": {"name": "Pilot"}, "entries": {DID: {"name": "U"}}}
    registry = _settings(tmp_path, variant).trusted_issuers
    assert registry is not None and registry.name == "Pilot" and registry.lookup(DID) is not None
    empty_fields = {"registry": {DID: {"name": "U", "url": "", "location": None, "extra": 1}}}
    entry = _settings(tmp_path, empty_fields).trusted_issuers.lookup(DID)  # type: ignore[union-attr]
    assert entry is not None and entry.url is None and entry.location is None
    named = _settings(tmp_path, {"name": "Top", "registry": {}}).trusted_issuers
    assert named is not None and named.name == "Top" and len(named) == 0


def test_no_registry_by_default(tmp_path: Path) -> None:
    assert load_settings({"SCEAU_INSTANCE_DIR": str(tmp_path)}).trusted_issuers is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ([DCC_REGISTRY], "must hold a JSON object"),
        ({"issuers": {}}, 'expected one "registry" object'),
        ({"registry": [DID]}, 'expected one "registry" object'),
        ({"registry": {}, "entries": {}}, 'expected one "registry" object'),
        ({"registry": {DID: {"url": "https://x.example"}}}, "needs a name"),
        ({"registry": {DID: {"name": "  "}}}, "needs a name"),
        ({"registry": {DID: "Université Exemple"}}, "must be an object"),
        ({"registry": {"universite-exemple.example": {"name": "U"}}}, "is not a DID"),
        ({"registry": {DID + " ": {"name": "U"}}}, "is not a DID"),
        ({"registry": {DID: {"name": "U", "url": "javascript:alert(1)"}}}, "http(s) URL"),
        ({"registry": {DID: {"name": "U\u0000"}}}, "control characters"),
        ('{"registry": {"DID": {"name": "A"}, "DID": {"name": "B"}}}'.replace("DID", DID), "twice"),
    ],
)
def test_a_malformed_registry_stops_the_start_up(
    tmp_path: Path, document: Any, message: str
) -> None:
    with pytest.raises(ConfigurationError, match="SCEAU_TRUSTED_ISSUERS") as raised:
        _settings(tmp_path, document)
    assert message in raised.value.message


def test_a_missing_file_stops_the_app_before_it_serves(tmp_path: Path) -> None:
    env = {
        "SCEAU_INSTANCE_DIR": str(tmp_path),
        "SCEAU_TRUSTED_ISSUERS": str(tmp_path / "nowhere.json"),
    }
    with pytest.raises(ConfigurationError, match="cannot read the file"):
        create_app(env)


def test_the_readme_example_is_a_registry(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Trusted issuers", 1)[1]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    registry = _settings(tmp_path, example).trusted_issuers
    assert registry is not None and registry.name == "Registre des organismes partenaires"
    assert registry.lookup("did:web:certif.universite-exemple.fr") is not None
