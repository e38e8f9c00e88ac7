"""Status lists of an organization: random index allocation and the signed list credential."""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import isoformat_z
from core.db.models import Credential, Organization, StatusEntry, StatusList
from core.errors import StatusListError
from core.settings import Settings
from core.status.bitstring import encode_status_list
from core.urls import status_list_url

REVOCATION = "revocation"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
# Random draws before a list is deemed full: at 90 % occupancy 32 misses in a row
# happen 3 % of the time, so lists fill to about that level, never to the last bit.
DRAWS_PER_LIST = 32

#: Status list numbers are database integers: a larger one names no list.
MAX_LIST_NUMBER = 2**31 - 1

# Lists one allocation may open before giving up (a bug guard: one is always enough).
MAX_NEW_LISTS = 4

Signer = Callable[[dict[str, Any]], dict[str, Any]]


def _new_list(
    session: Session, org: Organization, number: int, size: int, now: datetime
) -> StatusList:
    row = StatusList(
        organization_id=org.id,
        purpose=REVOCATION,
        number=number,
        size=size,
        full=False,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


# Statements of the issuing hot path are built once; only their parameters change.
_LATEST_LIST = (
    select(StatusList)
    .where(StatusList.organization_id == bindparam("org_id"), StatusList.purpose == REVOCATION)
    .order_by(StatusList.number.desc())
    .limit(1)
)


@functools.cache
def _claim_statement(dialect: str) -> Any:
    entries = cast(Table, StatusEntry.__table__)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(entries)
        .values(
            status_list_id=bindparam("list_id"),
            status_index=bindparam("index"),
            credential_id=bindparam("credential_id"),
        )
        .on_conflict_do_nothing()
        .returning(entries.c.status_index)
    )


def current_list(session: Session, org: Organization, size: int, now: datetime) -> StatusList:
    """The list new credentials go into, created when there is none that has room."""
    row = session.scalar(_LATEST_LIST, {"org_id": org.id})
    if row is not None and not row.full:
        return row
    number = 1 if row is None else row.number + 1
    try:
        with session.begin_nested():
            return _new_list(session, org, number, size, now)
    except IntegrityError:  # another worker created it at the same moment: use theirs
        return session.scalars(
            select(StatusList).where(
                StatusList.organization_id == org.id,
                StatusList.purpose == REVOCATION,
                StatusList.number == number,
            )
        ).one()


def _try_claim(session: Session, list_id: int, index: int, credential_id: str) -> bool:
    statement = _claim_statement(session.get_bind().dialect.name)
    parameters = {"list_id": list_id, "index": index, "credential_id": credential_id}
    # RETURNING yields a row only when the insert happened (rowcount is not reliable here).
    return session.connection().execute(statement, parameters).first() is not None


def allocate_index(
    session: Session, org: Organization, credential_id: str, settings: Settings, now: datetime
) -> tuple[StatusList, int]:
    """Claim a random free index; the table's primary key settles races between workers."""
    for _ in range(MAX_NEW_LISTS):
        status_list = current_list(session, org, settings.status_list_size, now)
        for _ in range(DRAWS_PER_LIST):
            index = secrets.randbelow(status_list.size)
            if _try_claim(session, status_list.id, index, credential_id):
                return status_list, index
        status_list.full = True
        session.flush()
    raise StatusListError("no free status list index could be allocated")


def status_entry(url: str, index: int) -> dict[str, str]:
    """The credentialStatus object of a credential."""
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": REVOCATION,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def publish_list(
    session: Session,
    settings: Settings,
    org: Organization,
    status_list: StatusList,
    issuer_did: str,
    sign: Signer,
    now: datetime,
) -> dict[str, Any]:
    """Re-sign the list credential from the revoked credentials in the database and store it."""
    revoked = session.scalars(
        select(Credential.status_index).where(
            Credential.status_list_id == status_list.id, Credential.revoked_at.is_not(None)
        )
    )
    url = status_list_url(settings.base_url, org.slug, status_list.number)
    unsigned = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": isoformat_z(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_status_list(revoked, status_list.size),
        },
    }
    signed = sign(unsigned)
    status_list.signed_credential = signed
    body = json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode()
    status_list.etag = hashlib.sha256(body).hexdigest()[:32]
    status_list.updated_at = now
    session.flush()
    return signed


def lock_list(session: Session, list_id: int) -> StatusList:
    """Load a list row for update, so that concurrent revocations re-sign one after the other."""
    return session.scalars(
        select(StatusList).where(StatusList.id == list_id).with_for_update()
    ).one()


def find_list(session: Session, org: Organization, number: int) -> StatusList | None:
    """The organization's revocation list with this number (None for a number past the
    database's integers: it comes from a URL)."""
    if not 0 <= number <= MAX_LIST_NUMBER:
        return None
    return session.scalar(
        select(StatusList).where(
            StatusList.organization_id == org.id,
            StatusList.purpose == REVOCATION,
            StatusList.number == number,
        )
    )
