"""The exception hierarchy of Sceau; each class says when it is raised.

Every error carries a stable machine ``code`` and a human ``message`` that is safe to show to
users (it never contains exception text from a library or a secret).  ``problems`` lists the
individual problems of an input when there are several (e.g. JSON Schema errors).
"""

from __future__ import annotations

from typing import Any


class SceauError(Exception):
    """Base class. ``http_status`` is the status the web layer maps the error to."""

    code = "error"
    http_status = 500

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        problems: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.problems = problems or []


class ConfigurationError(SceauError):
    """The environment holds a missing or malformed setting (raised at start-up)."""

    code = "configuration_error"


class InputError(SceauError):
    """A request or file is malformed or fails validation; nothing was written."""

    code = "invalid_input"
    http_status = 400


class PayloadTooLarge(InputError):
    """An input is over its size, depth or count limit."""

    code = "payload_too_large"
    http_status = 413


class AuthenticationError(SceauError):
    """Missing or wrong credentials (API key)."""

    code = "unauthenticated"
    http_status = 401


class PermissionDenied(SceauError):
    """The caller is known but may not do this."""

    code = "forbidden"
    http_status = 403


class RecordedRefusal(PermissionDenied):
    """A refusal whose bookkeeping the request keeps (a failure counter, a lockout): the web
    layer commits what the use case wrote before raising it, although the answer is 403."""

    keep_writes = True


class NotFound(SceauError):
    """The named object does not exist (or is not visible to the caller)."""

    code = "not_found"
    http_status = 404


class Conflict(SceauError):
    """The request conflicts with the current state (e.g. already revoked, key reused)."""

    code = "conflict"
    http_status = 409


class CredentialError(SceauError):
    """Base of the errors raised while building, signing or checking a credential."""

    code = "credential_error"
    http_status = 422


class UndefinedTermError(CredentialError):
    """A JSON-LD document uses terms or types that its contexts do not define."""

    code = "undefined_term"

    def __init__(self, terms: list[str]) -> None:
        super().__init__(
            "undefined JSON-LD terms: " + ", ".join(terms),
            problems=[{"path": t, "message": "term not defined by the @context"} for t in terms],
        )
        self.terms = terms


class ContextError(CredentialError):
    """A JSON-LD @context is unknown (not bundled), invalid, or could not be processed."""

    code = "invalid_context"


class CanonicalizationLimitError(CredentialError):
    """RDF canonicalization (RDFC-1.0) exceeded its work budget: a poison graph."""

    code = "canonicalization_limit"


class ProofError(CredentialError):
    """A proof is malformed, unsupported or does not verify."""

    code = "invalid_proof"


class InvalidSignature(ProofError):
    """The signature does not match the document and key."""

    code = "invalid_signature"


class KeyResolutionError(CredentialError):
    """A verification method (key id / DID URL) cannot be resolved to a usable public key."""

    code = "unknown_key"


class KeyControllerMismatch(KeyResolutionError):
    """The key's controller is not the credential's issuer."""

    code = "key_controller_mismatch"


class KeyCompromised(KeyResolutionError):
    """The verification method is a key of this instance that was marked compromised."""

    code = "key_compromised"


class KeyRetired(ProofError):
    """A retired key of this instance signed something dated after its retirement (or undated)."""

    code = "key_retired"


class UnsignedDataError(CredentialError):
    """A JSON-LD document holds data that would fall outside its signature (dropped by JSON-LD
    processing: terms mapped to null, nested ``@vocab``/``@base`` tricks, ``@index``, ...)."""

    code = "unsigned_data"
    http_status = 400


class NotCompactError(InputError):
    """A JSON-LD document writes as a full or compact IRI, or as a raw keyword, what its contexts
    name with a term: its JSON would not say what its RDF (and so its signature) says."""

    code = "not_compact"


class StatusListError(CredentialError):
    """A status list could not be fetched, verified or decoded."""

    code = "status_list_unavailable"


class FetchError(SceauError):
    """An outbound request was refused by the guard or failed (address, scheme, size, time)."""

    code = "fetch_failed"
    http_status = 502
