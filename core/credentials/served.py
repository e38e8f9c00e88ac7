"""The text of a stored credential exactly as /c/<uuid>.json serves it.

Baked badges and certificate attachments carry these same bytes, so that whatever a holder
extracts from an image or a PDF is byte-identical to the credential at its URL.
"""

from __future__ import annotations

import json
from typing import Any


def credential_json(document: dict[str, Any]) -> str:
    """The served JSON text of a signed credential (UTF-8 characters kept, two-space indent)."""
    return json.dumps(document, ensure_ascii=False, indent=2)
