"""The back office's home page: who is signed in, for which body, and what awaits them."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.accounts.principal import Action, Principal, Role
from core.db.models import Organization
from core.deps import Deps
from core.errors import NotFound
from issuer.services.awaiting import Awaiting, awaiting


@dataclass(frozen=True)
class Dashboard:
    """The back office's home page: who is signed in, for which body, what awaits them."""

    name: str | None
    email: str
    role: Role
    organization_name: str
    organization_slug: str
    awaiting: list[Awaiting] = field(default_factory=list)


def dashboard(deps: Deps, principal: Principal) -> Dashboard:
    """The signed-in member's home page, within their own organization only."""
    principal.require(Action.READ)
    org = deps.session.get(Organization, principal.organization_id)
    if org is None or principal.role is None or principal.email is None:
        raise NotFound("no such organization")
    return Dashboard(
        principal.name,
        principal.email,
        principal.role,
        org.name,
        org.slug,
        awaiting(deps, principal),
    )
