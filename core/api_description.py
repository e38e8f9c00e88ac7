"""The OpenAPI 3.1 description of the issuer and verifier APIs, assembled from schemas/."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

from core.validation import API_SCHEMAS

#: The hand-written description; its request bodies point at the payload schemas of
#: schemas/api/ (the ones the API validates with), which are copied in here at load time.
OPENAPI_FILE = API_SCHEMAS.parent / "openapi.json"
_REQUEST_SCHEMAS = "x-sceau-request-schemas"
_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def _inline(schema: Any, names: dict[str, str]) -> Any:
    """A payload schema as an OpenAPI component: no ``$id``/``$schema`` (its refs are now
    local), and ``{"$ref": "achievement.json"}`` pointing at the component of that file."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key in ("$id", "$schema"):
                continue
            if key == "$ref" and isinstance(value, str) and value in names:
                out[key] = f"#/components/schemas/{names[value]}"
            else:
                out[key] = _inline(value, names)
        return out
    if isinstance(schema, list):
        return [_inline(item, names) for item in schema]
    return schema


def _assemble(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    files: dict[str, str] = document.pop(_REQUEST_SCHEMAS, {})
    names = {filename: name for name, filename in files.items()}
    components = document["components"]["schemas"]
    for name, filename in files.items():
        payload = json.loads((API_SCHEMAS / filename).read_text(encoding="utf-8"))
        components[name] = _inline(payload, names)
    return document


def api_description(base_url: str) -> dict[str, Any]:
    """The description, with this instance's origin as its server (a fresh copy)."""
    with _lock:
        if "document" not in _loaded:
            _loaded["document"] = _assemble(OPENAPI_FILE)
        document: dict[str, Any] = copy.deepcopy(_loaded["document"])
    document["servers"] = [{"url": base_url, "description": "This Sceau instance."}]
    return document


__all__ = ["OPENAPI_FILE", "api_description"]
