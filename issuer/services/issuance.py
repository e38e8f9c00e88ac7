"""Issuing one credential: build, allocate a status index, sign (proof + VC-JWT), store."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from core.audit.log import append as audit
from core.clock import isoformat_z
from core.credentials.builder import achievement_document, build_credential, inline_achievement_id
from core.credentials.issue_request import IssueRequest, ProgramCode
from core.credentials.proofs import sign_credential
from core.credentials.schema import schema_problems
from core.credentials.vcjwt import sign_vc_jwt
from core.db.models import Credential, Delivery, Organization
from core.delivery.records import queue_delivery
from core.deps import Deps
from core.errors import Conflict, InputError
from core.keys.directory import issuer_profile, org_did
from core.keys.store import SigningKeys, open_signing_keys
from core.status.lists import Signer, allocate_index, publish_list, status_entry
from core.urls import credential_url, status_list_url
from issuer.services.programs import (
    check_definition,
    get_program,
    program_version,
    version_achievement,
)


@dataclass(frozen=True)
class Issued:
    """The stored credential and whether it was replayed from an earlier identical request;
    ``delivery``: the holder's mail, queued with a new credential (the caller hands it to the
    task queue with core.delivery.records.dispatch_deliveries, then queues the job after its
    commit)."""

    credential: Credential
    replayed: bool = False
    delivery: Delivery | None = None


# Looked up before every keyed issue (each CSV row): columns only, the document is loaded on a hit.
_EARLIER = select(Credential.id, Credential.request_hash).where(
    Credential.organization_id == bindparam("org_id"),
    Credential.idempotency_key == bindparam("key"),
)


def signer(keys: SigningKeys, created: str, max_work: int) -> Signer:
    """A function signing an unsigned document with the organization's proof key."""

    def sign(unsigned: dict[str, Any]) -> dict[str, Any]:
        return sign_credential(
            unsigned,
            private_key=keys.ed25519,
            verification_method=keys.proof_method,
            created=created,
            max_work=max_work,
        )

    return sign


def _store(deps: Deps, row: Credential) -> None:
    """Insert the credential row with one Core statement: bulk issuing runs this per row, and
    the ORM unit of work would cost as much as the signature. ``row`` stays a detached copy."""
    table = cast(Table, Credential.__table__)
    values = {column.key: getattr(row, column.key) for column in table.columns}
    deps.session.connection().execute(insert(table), values)


#: An Idempotency-Key: printable ASCII, as long as the column that keeps it.
IDEMPOTENCY_KEY = re.compile(r"\A[\x21-\x7e]{1,200}\Z")
#: Keys Sceau gives its own issues (a session's signature, a reissue, a CSV row): a client
#: choosing one could take a candidate's credential slot and block its issuance for good.
RESERVED_KEY_PREFIX = "sceau:"


def internal_key(*parts: str) -> str:
    """An idempotency key in Sceau's own namespace, which clients may not use."""
    return RESERVED_KEY_PREFIX + ":".join(parts)


def check_client_key(key: str) -> None:
    """InputError unless a client's ``key`` is 1 to 200 printable ASCII characters without
    spaces, outside Sceau's own namespace."""
    if key[: len(RESERVED_KEY_PREFIX)].lower() == RESERVED_KEY_PREFIX:
        raise InputError(
            f"Idempotency-Keys starting with {RESERVED_KEY_PREFIX!r} are reserved for Sceau",
            code="invalid_idempotency_key",
            problems=[{"path": "Idempotency-Key", "message": "a reserved prefix"}],
        )
    check_idempotency_key(key)


def check_idempotency_key(key: str) -> None:
    """InputError unless ``key`` is 1 to 200 printable ASCII characters without spaces."""
    if not IDEMPOTENCY_KEY.match(key):
        raise InputError(
            "the Idempotency-Key must be 1 to 200 printable ASCII characters",
            code="invalid_idempotency_key",
            problems=[{"path": "Idempotency-Key", "message": "1-200 printable ASCII characters"}],
        )


def issue_credential(
    deps: Deps,
    org: Organization,
    request: IssueRequest,
    *,
    actor: str,
    idempotency_key: str | None = None,
    keys: SigningKeys | None = None,
    deferred_audit: list[dict[str, Any]] | None = None,
    enrollment_id: str | None = None,
) -> Issued:
    """Issue one credential. ``request`` comes from parse_issue_request (the API), the CSV
    import or code; a retry under the same ``idempotency_key`` with an equal request replays
    the stored credential, with another request it is a Conflict. ``keys``: the organization's
    signing keys when the caller has opened them already (bulk issuing). ``deferred_audit``:
    a list that receives the audit event instead of the log, for a caller that writes its
    events together with core.audit.log.append_many before its commit. ``enrollment_id``: the
    file a session's signature issues this credential for."""
    fingerprint = None
    if idempotency_key is not None:
        check_idempotency_key(idempotency_key)
        fingerprint = request.fingerprint()
        earlier = (
            deps.session.connection()
            .execute(_EARLIER, {"org_id": org.id, "key": idempotency_key})
            .first()
        )
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise Conflict(
                    "this Idempotency-Key was used for another request",
                    code="idempotency_key_reused",
                )
            return Issued(deps.session.get_one(Credential, earlier.id), replayed=True)

    settings, now = deps.settings, deps.clock.now()
    credential_id = str(uuid.uuid4())
    program = version = None
    if isinstance(request.achievement, ProgramCode):
        program = get_program(deps, org, request.achievement.code)
        version = program_version(deps, program, request.achievement.version)
        achievement = version_achievement(deps, org, program, version)
    else:
        definition = dict(request.achievement.definition)
        check_definition(definition)
        achievement = achievement_document(inline_achievement_id(definition), definition)

    valid_from = request.valid_from or now
    valid_until = request.valid_until
    if valid_until is None and version is not None and version.validity_days:
        valid_until = valid_from + timedelta(days=version.validity_days)
    if valid_until is not None and valid_until <= valid_from:
        raise InputError(
            "validUntil must be after validFrom",
            code="invalid_request",
            problems=[{"path": "validUntil", "message": "must be after validFrom"}],
        )

    # The shared key lock before the status list rows: the order a key compromise locks in.
    keys = keys or open_signing_keys(deps.session, org, org_did(settings, org.slug), deps.cipher)
    status_list, index = allocate_index(deps.session, org, credential_id, settings, now)
    url = status_list_url(settings.base_url, org.slug, status_list.number)
    recipient = request.recipient
    unsigned = build_credential(
        credential_url=credential_url(settings.base_url, credential_id),
        issuer=issuer_profile(settings, org),
        achievement=achievement,
        recipient=recipient,
        valid_from=valid_from,
        valid_until=valid_until,
        awarded=now,
        results=request.results,
        evidence=request.evidence,
        status=status_entry(url, index),
    )
    problems = schema_problems(unsigned)
    if problems:
        raise InputError(
            "the credential would not be a valid Open Badge",
            code="invalid_credential",
            problems=problems,
        )

    sign = signer(keys, isoformat_z(now), settings.canonicalization_max_work)
    document = sign(unsigned)
    token = sign_vc_jwt(unsigned, private_key=keys.p256, kid=keys.jwt_kid, issued_at=now)
    if status_list.signed_credential is None:
        publish_list(deps.session, settings, org, status_list, keys.did, sign, now)

    row = Credential(
        id=credential_id,
        organization_id=org.id,
        program_id=program.id if program else None,
        program_version_id=version.id if version else None,
        enrollment_id=enrollment_id,
        recipient_email=recipient.email.strip().lower(),
        recipient_name=recipient.name,
        achievement_name=achievement["name"],
        document=document,
        jwt=token,
        status_list_id=status_list.id,
        status_index=index,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=now,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        proof_kid=keys.ed25519_kid,
        jwt_kid=keys.p256_kid,
    )
    try:
        _store(deps, row)
    except IntegrityError:
        # Another request with this Idempotency-Key stored its credential first; the caller's
        # unit of work (or the bulk row's savepoint) is rolled back by the exception.
        raise Conflict(
            "a request with this Idempotency-Key is already being processed; retry",
            code="idempotency_in_progress",
        ) from None
    event = {
        "actor": actor,
        "action": "credential.issue",
        "subject": credential_id,
        "organization": org.slug,
        "now": now,
    }
    if deferred_audit is not None:
        deferred_audit.append(event)
    else:
        audit(deps.session, **event)
    return Issued(row, delivery=queue_delivery(deps, row))
