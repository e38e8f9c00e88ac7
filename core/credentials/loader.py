"""The offline JSON-LD document loader: context URLs -> the files bundled in schemas/contexts."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

from core.errors import ContextError

CONTEXTS_DIR = Path(__file__).resolve().parents[2] / "schemas" / "contexts"

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
#: VC Data Model 1.1: the first context of the credentials already in circulation.
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
CREDENTIALS_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
CREDENTIALS_UNDEFINED_TERMS_V2 = "https://www.w3.org/ns/credentials/undefined-terms/v2"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"
STATUS_LIST_2021_V1 = "https://w3id.org/vc/status-list/2021/v1"
OB_V3P0_3_0_1 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
OB_V3P0_3_0_2 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
#: The unversioned OB 3.0 context, as the first OB 3.0 credentials named it.
OB_V3P0_UNVERSIONED = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"

#: context URL -> file name in schemas/contexts
BUNDLED_CONTEXTS: dict[str, str] = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    OB_EXTENSIONS: "ob-v3p0-extensions.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    CREDENTIALS_EXAMPLES_V2: "credentials-examples-v2.jsonld",
    CREDENTIALS_UNDEFINED_TERMS_V2: "credentials-undefined-terms-v2.jsonld",
    CREDENTIALS_V1: "credentials-v1.jsonld",
    ED25519_2020_V1: "ed25519-2020-v1.jsonld",
    STATUS_LIST_2021_V1: "status-list-2021-v1.jsonld",
    OB_V3P0_3_0_1: "ob-v3p0-context-3.0.1.json",
    OB_V3P0_3_0_2: "ob-v3p0-context-3.0.2.json",
    OB_V3P0_UNVERSIONED: "ob-v3p0-context.json",
}

_parsed: dict[str, Any] = {}
_lock = threading.Lock()


def is_bundled(url: str) -> bool:
    """True when ``url`` is one of the bundled context URLs."""
    return url in BUNDLED_CONTEXTS


def load_context(url: str) -> Any:
    """The parsed (shared, do not mutate) JSON of a bundled context; ContextError otherwise."""
    document = _parsed.get(url)
    if document is not None:
        return document
    name = BUNDLED_CONTEXTS.get(url)
    if name is None:
        raise ContextError(f"unknown JSON-LD context (not bundled): {url}")
    with _lock:
        document = _parsed.get(url)
        if document is None:
            try:
                document = json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise ContextError(f"bundled JSON-LD context is unreadable: {url}") from None
            _parsed[url] = document
    return document


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld documentLoader: bundled contexts only, never a network fetch."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        "contentType": "application/ld+json",
        # pyld keeps what it is given in its caches: hand it a private copy
        "document": copy.deepcopy(load_context(url)),
    }


__all__ = ["BUNDLED_CONTEXTS", "document_loader", "is_bundled", "load_context"]
