"""The one verification pipeline: any unverified credential in, a report of steps out; no raise."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.clock import Clock
from core.credentials.embedded import (
    check_embedded_proof,
    check_not_retired,
    issuer_id_of,
    proof_failure,
)
from core.credentials.jsonld import canonical_nquads
from core.credentials.loader import CREDENTIALS_V1, CREDENTIALS_V2, is_bundled
from core.credentials.report import STEP_IDS, Format, Step, VerificationReport
from core.credentials.schema import schema_problems
from core.credentials.steps import (
    IssuerRegistry,
    Parsed,
    StatusChecker,
    Stop,
    as_list,
    dates_step,
    is_vc_1_1,
    issuer_step,
    status_step,
)
from core.credentials.untrusted import parse_untrusted_json
from core.credentials.vcjwt import (
    ParsedJwt,
    check_jwt_claims_consistency,
    parse_vc_jwt,
    verify_vc_jwt_signature,
)
from core.errors import (
    CanonicalizationLimitError,
    ContextError,
    InputError,
    NotCompactError,
    PayloadTooLarge,
    ProofError,
    SceauError,
    UndefinedTermError,
    UnsignedDataError,
)
from core.keys.resolver import KeyResolver, key_for_issuer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VerifyOptions:
    """Limits and policy of one verification (the app builds it from Settings)."""

    jwt_algorithms: tuple[str, ...] = ("ES256", "EdDSA", "RS256")
    max_work: int = 20000
    require_schema: bool = True
    #: When False (e.g. the VC API), a genuine credential of an unknown issuer still verifies.
    require_known_issuer: bool = True
    max_bytes: int = 1024 * 1024
    max_depth: int = 32
    #: JSON values (objects, arrays, scalars) of one credential: a credential holds some tens to
    #: hundreds; thousands cost seconds of JSON-LD conversion before the signature is checked.
    max_values: int = 2000
    #: A validFrom this far in the future is accepted (clocks of issuers and verifiers drift).
    clock_skew_seconds: int = 300


def _too_large(value: object, max_depth: int, max_values: int) -> str | None:
    """Why a document handed over parsed is too large to convert (deep, or too many values),
    iteratively; None when it is not."""
    stack: list[tuple[object, int]] = [(value, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > max_values:
            return f"The credential holds more than {max_values} values."
        if isinstance(node, dict | list):
            if depth > max_depth:
                return "The credential is too deeply nested."
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return None


def _parse(untrusted: object, options: VerifyOptions) -> Parsed:
    token: str | None = None
    jwt: ParsedJwt | None = None
    if isinstance(untrusted, bytes | bytearray):
        if len(untrusted) > options.max_bytes:
            raise Stop("payload_too_large", "The credential is larger than this verifier accepts.")
        try:
            untrusted = bytes(untrusted).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Stop("malformed_json", "The credential is not valid UTF-8 text.") from None
    if isinstance(untrusted, str):
        text = untrusted.strip()
        if len(text) > options.max_bytes:
            raise Stop("payload_too_large", "The credential is larger than this verifier accepts.")
        if text.startswith(("{", "[")):
            try:
                untrusted = parse_untrusted_json(
                    text, max_bytes=options.max_bytes, max_depth=options.max_depth
                )
            except PayloadTooLarge:
                raise Stop(
                    "payload_too_large", "The credential is too large or too deeply nested."
                ) from None
            except SceauError as exc:
                details = {"problems": exc.problems}
                raise Stop("malformed_json", "The credential is not valid JSON.", details) from None
        else:
            try:
                jwt = parse_vc_jwt(text)
            except PayloadTooLarge:
                raise Stop("payload_too_large", "The token is longer than accepted.") from None
            except SceauError:
                raise Stop(
                    "malformed_jwt", "The text is neither a JSON credential nor a valid VC-JWT."
                ) from None
            token, untrusted = text, jwt.credential
    if not isinstance(untrusted, dict):
        raise Stop("not_a_credential", "The input is not a credential (a JSON object or JWT).")
    too_large = _too_large(untrusted, options.max_depth, options.max_values)
    if too_large is not None:
        raise Stop("payload_too_large", too_large)
    missing = [
        name
        for name, present in (
            ("@context", bool(untrusted.get("@context"))),
            ("type", "VerifiableCredential" in as_list(untrusted.get("type"))),
            ("issuer", issuer_id_of(untrusted) is not None),
            ("credentialSubject", isinstance(untrusted.get("credentialSubject"), dict | list)),
        )
        if not present
    ]
    if missing:
        raise Stop(
            "not_a_credential",
            "The input is not a verifiable credential (missing: " + ", ".join(missing) + ").",
            {"missing": missing},
        )
    issuer_id = issuer_id_of(untrusted)
    assert issuer_id is not None
    fmt: Format = "jwt" if token is not None else "ldp"
    return Parsed(fmt, untrusted, issuer_id, token, jwt)


def _context(parsed: Parsed, options: VerifyOptions) -> Step:
    document = {k: v for k, v in parsed.unverified_credential.items() if k != "proof"}
    contexts = as_list(document.get("@context"))
    if contexts[0] not in (CREDENTIALS_V2, CREDENTIALS_V1):
        raise Stop(
            "unknown_context",
            "The credential does not start with the W3C Verifiable Credentials context "
            "(2.0, or 1.1).",
        )
    unknown = [c for c in contexts if isinstance(c, str) and not is_bundled(c)]
    if unknown or not all(isinstance(c, str | dict) for c in contexts):
        raise Stop(
            "unknown_context",
            "The credential uses a JSON-LD context this verifier does not know.",
            {"contexts": [c[:200] for c in unknown]},
        )
    try:
        canonical_nquads(document, strict=True, max_work=options.max_work)
    except UndefinedTermError as exc:
        raise Stop(
            "undefined_term",
            "The credential uses terms that its contexts do not define.",
            {"terms": [t[:200] for t in exc.terms[:20]]},
        ) from None
    except ContextError:
        raise Stop("unknown_context", "The credential's JSON-LD context is not valid.") from None
    except NotCompactError as exc:
        raise Stop(
            "not_compact",
            "The credential writes as a full IRI or a JSON-LD keyword what its contexts name "
            "with a term: its JSON does not say plainly what its signature covers.",
            {"problems": exc.problems[:20]},
        ) from None
    except UnsignedDataError as exc:
        raise Stop(
            "unsigned_data",
            "The credential holds data that its signature does not cover: it could have been "
            "changed after signing.",
            {"problems": exc.problems[:20]},
        ) from None
    except InputError:
        raise Stop("invalid_jsonld", "The credential is not valid JSON-LD.") from None
    except CanonicalizationLimitError:
        raise Stop(
            "canonicalization_limit", "The credential is too complex to check safely."
        ) from None
    return Step("context", True, "ok", "Every term of the credential is defined by its contexts.")


OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def _schema(parsed: Parsed, options: VerifyOptions) -> Step:
    if not options.require_schema:
        return Step("schema", True, "not_required", "The Open Badges schema was not required.")
    unverified_credential = parsed.unverified_credential
    types = unverified_credential.get("type")
    if not isinstance(types, list) or not OB_TYPES.intersection(
        t for t in types if isinstance(t, str)
    ):
        return Step(
            "schema", True, "not_applicable", "Not an Open Badge: no Open Badges schema applies."
        )
    if is_vc_1_1(unverified_credential):
        # The bundled OB JSON Schema is the 3.0.3 one, written for VC 2.0 (validFrom required,
        # issuanceDate unknown). OB 3.0.0-3.0.2 credentials on VC 1.1 are not held against it,
        # and the report says so rather than passing them silently.
        return Step(
            "schema",
            True,
            "not_applicable",
            "Not checked against the Open Badges schema: this VC 1.1 credential (Open Badges "
            "3.0.0 to 3.0.2) predates the 3.0.3 schema this verifier holds; its contexts, "
            "proof and dates are still checked.",
            {"dataModel": "1.1"},
        )
    if isinstance(unverified_credential.get("proof"), dict):
        # VC Data Model 2.0 allows one proof as an object (vc.js emits that); the OB schema
        # only knows the array form, so check the same content as a one-element array.
        unverified_credential = {**unverified_credential, "proof": [unverified_credential["proof"]]}
    problems = schema_problems(unverified_credential)
    if problems:
        raise Stop(
            "schema_invalid",
            "The credential does not follow the Open Badges 3.0 schema.",
            {"problems": problems},
        )
    return Step("schema", True, "ok", "The credential follows the Open Badges 3.0 schema.")


def _proof(parsed: Parsed, resolver: KeyResolver, options: VerifyOptions) -> Step:
    try:
        if parsed.format == "ldp":
            methods = check_embedded_proof(
                parsed.unverified_credential,
                resolver=resolver,
                issuer_id=parsed.issuer_id,
                max_work=options.max_work,
            )
        else:
            methods = [_check_jwt(parsed, resolver, options)]
    except SceauError as exc:
        code, message, details = proof_failure(exc)
        raise Stop(code, message, details) from None
    return Step(
        "proof",
        True,
        "ok",
        "The signature is valid and was made with a key of the issuer.",
        {"verificationMethod": methods[0] if len(methods) == 1 else methods},
    )


def _check_jwt(parsed: Parsed, resolver: KeyResolver, options: VerifyOptions) -> str:
    assert parsed.jwt is not None and parsed.token is not None
    header = parsed.jwt.header if isinstance(parsed.jwt.header, dict) else {}
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in options.jwt_algorithms:
        raise ProofError("algorithm not allowed", code="algorithm_not_allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ProofError("no kid", code="unknown_key")
    if kid.startswith("#"):
        kid = parsed.issuer_id + kid
    payload = parsed.jwt.payload if isinstance(parsed.jwt.payload, dict) else {}
    # The consistency check below makes `iss` equal the credential's issuer; bind to that.
    key = key_for_issuer(resolver, kid, parsed.issuer_id)
    # The signing date is `iat`; tokens made before Sceau set it fall back on `nbf`.
    check_not_retired(key, payload.get("iat", payload.get("nbf")))
    verify_vc_jwt_signature(parsed.token, key.public_key, algorithms=(alg,))
    problems = check_jwt_claims_consistency(parsed.jwt)
    if problems:
        details = [{"message": p} for p in problems]
        raise ProofError("claims mismatch", code="jwt_claims_mismatch", problems=details)
    return key.id


def _run(step_id: str, action: Callable[[], Step]) -> Step:
    try:
        return action()
    except Stop as stop:
        return Step(step_id, False, stop.code, stop.message, stop.details)
    except Exception:
        log.exception("unexpected error in verification step %s", step_id)
        return Step(step_id, False, "internal_error", "This check could not be completed.")


def _skipped(step_id: str, reason: str) -> Step:
    return Step(step_id, False, "skipped", reason)


def verify_credential(
    unverified_credential: object,
    *,
    resolver: KeyResolver,
    status_checker: StatusChecker,
    issuers: IssuerRegistry,
    clock: Clock,
    options: VerifyOptions | None = None,
) -> VerificationReport:
    """Verify a JSON-LD credential (dict or JSON text) or a VC-JWT; never raises."""
    opts = options or VerifyOptions()
    steps: list[Step] = []
    try:
        return _pipeline(
            unverified_credential, resolver, status_checker, issuers, clock, opts, steps
        )
    except Exception:
        log.exception("unexpected error in the verification pipeline")
        done = {s.id for s in steps}
        steps.extend(
            Step(i, False, "internal_error", "This check could not be completed.")
            for i in STEP_IDS
            if i not in done
        )
        return VerificationReport(False, steps, None, None, None)


def _pipeline(
    unverified_credential: object,
    resolver: KeyResolver,
    status_checker: StatusChecker,
    issuers: IssuerRegistry,
    clock: Clock,
    options: VerifyOptions,
    steps: list[Step],
) -> VerificationReport:
    result: list[Parsed] = []

    def parse() -> Step:
        result.append(_parse(unverified_credential, options))
        kind = "a VC-JWT" if result[0].format == "jwt" else "JSON-LD with an embedded proof"
        return Step("parse", True, "ok", f"The credential was read ({kind}).")

    steps.append(_run("parse", parse))
    if not result:
        steps.extend(_skipped(i, "Not checked: the input could not be read.") for i in STEP_IDS[1:])
        return VerificationReport(False, steps, None, None, None)
    parsed = result[0]

    context = _run("context", lambda: _context(parsed, options))
    steps.append(context)
    steps.append(_run("schema", lambda: _schema(parsed, options)))
    if context.code in ("canonicalization_limit", "unknown_context", "not_compact"):
        # the proof would spend the same work on the same document: do not pay twice
        steps.append(_skipped("proof", "Not checked: the credential's contexts are not usable."))
    else:
        steps.append(_run("proof", lambda: _proof(parsed, resolver, options)))
    proof_ok = steps[-1].ok and context.ok

    # Until the proof holds, every other claim of the input is the forger's: no registered
    # name, no dates, and no status fetch (its URL would be the forger's choice).
    summary: dict[str, Any] = {"id": parsed.issuer_id, "name": None, "known": False}
    if not proof_ok:
        reason = "Not checked: the credential is not proven to come from its issuer."
        steps.extend(_skipped(i, reason) for i in ("issuer", "dates", "status"))
        unverified = parsed.unverified_credential
        return VerificationReport(False, steps, parsed.format, unverified, summary)

    def issuer() -> Step:
        step, found = issuer_step(parsed, issuers, require_known=options.require_known_issuer)
        summary.update(found)
        return step

    steps.append(_run("issuer", issuer))
    steps.append(_run("dates", lambda: dates_step(parsed, clock, options.clock_skew_seconds)))
    credential = parsed.unverified_credential  # its proof holds from here on
    issuer_id = parsed.issuer_id
    steps.append(_run("status", lambda: status_step(credential, issuer_id, status_checker)))
    verified = all(step.ok for step in steps)
    return VerificationReport(verified, steps, parsed.format, parsed.unverified_credential, summary)


__all__ = [
    "IssuerRegistry",
    "KeyResolver",
    "StatusChecker",
    "VerifyOptions",
    "verify_credential",
]
