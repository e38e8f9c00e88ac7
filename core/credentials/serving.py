"""A credential as served at /c/<uuid>.json, attached to its PDF and baked in its images."""

from __future__ import annotations

import json
from typing import Any


def credential_json_text(document: dict[str, Any]) -> str:
    """The credential's JSON text: one serialization everywhere, so every copy is identical."""
    return json.dumps(document, ensure_ascii=False, indent=2)
