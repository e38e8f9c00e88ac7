"""Postal delivery of a signed session: its certificates in one print file, in the order of
the address list (by the holders' family name, then given names)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.db.models import Candidate, Credential, Enrollment, ExamSession
from core.deps import Deps
from core.documents.archive import ArchiveStore, read_document
from core.documents.certificate import certificate_pdf
from core.documents.printing import merge_pdfs
from core.errors import Conflict
from issuer.services.sessions import get_session

#: The address list's columns, in the order of the print file.
ADDRESS_COLUMNS = (
    "order",
    "credential",
    "holder",
    "family_name",
    "given_names",
    "email",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
)


def _folded(text: str) -> str:
    """``text`` as the address list sorts it: case and accents ignored (Émile with Emile)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _postal_session(deps: Deps, principal: Principal, session_id: str) -> ExamSession:
    session = get_session(deps, principal, session_id)
    principal.require(Action.MANAGE_SESSIONS)
    if session.state != "signed":
        raise Conflict(
            "certificates are printed once the session is signed and its credentials "
            f"issued; this session is {session.state}",
            code="session_not_signed",
        )
    return session


def recipients(deps: Deps, session: ExamSession) -> list[tuple[Credential, Candidate]]:
    """The session's issued credentials that are not revoked, with their holders, in the
    address list's order: family name (the one in use), given names, then the credential's
    number so that the order never changes between two downloads."""
    rows = deps.session.execute(
        select(Credential, Candidate)
        .join(Enrollment, Enrollment.credential_id == Credential.id)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(
            Enrollment.session_id == session.id,
            Credential.organization_id == session.organization_id,
            Credential.revoked_at.is_(None),
        )
    ).all()
    return sorted(
        ((credential, candidate) for credential, candidate in rows),
        key=lambda pair: (
            _folded(pair[1].usage_name or pair[1].family_name),
            _folded(pair[1].given_names),
            pair[0].id,
        ),
    )


def address_rows(deps: Deps, principal: Principal, session_id: str) -> list[list[str]]:
    """The address list (administrators and managers): a header, then one row per
    certificate of the print file, in its order."""
    session = _postal_session(deps, principal, session_id)
    rows = [list(ADDRESS_COLUMNS)]
    for order, (credential, candidate) in enumerate(recipients(deps, session), start=1):
        rows.append(
            [
                str(order),
                credential.id,
                credential.recipient_name or candidate.display_name,
                candidate.usage_name or candidate.family_name,
                candidate.given_names,
                candidate.email,
                candidate.address_line1 or "",
                candidate.address_line2 or "",
                candidate.postal_code or "",
                candidate.city or "",
                candidate.country or "",
            ]
        )
    return rows


def write_print_file(
    deps: Deps, principal: Principal, session_id: str, store: ArchiveStore, out: BinaryIO
) -> int:
    """Write the session's certificates (administrators and managers), merged in the address
    list's order, to ``out``; return the number of pages. Certificates not made yet are made
    and archived now. The merged file is not sealed: each certificate's seal covers its own
    file only (see core.documents.printing)."""
    session = _postal_session(deps, principal, session_id)
    holders = recipients(deps, session)
    if not holders:
        raise Conflict("this session has no valid certificate to print", code="nothing_to_print")

    def certificates() -> Iterator[bytes]:
        for credential, _candidate in holders:
            yield read_document(store, certificate_pdf(deps, store, credential))

    return merge_pdfs(certificates(), out)
