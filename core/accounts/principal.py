"""Who is asking: a staff member, an organization's API key, or a system job; and what each
role may do. Every use case checks its permission here, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from core.errors import PermissionDenied


class Role(StrEnum):
    """A staff member's role in one organization."""

    ADMIN = "admin"
    MANAGER = "manager"
    EVALUATOR = "evaluator"
    SIGNATORY = "signatory"
    AUDITOR = "auditor"


#: Roles that must prove a second factor (TOTP) to be set up and, for signatories, to sign.
TOTP_ROLES = frozenset({Role.ADMIN, Role.SIGNATORY})


class Action(StrEnum):
    """What a use case does, as the permission table names it."""

    READ = "read"  # programs and credentials, as the engine's API shows them
    FOLLOW = "follow"  # the workflow's files: sessions, candidates, results, jobs, statistics
    ISSUE = "issue"  # the engine's direct issuing API, outside the workflow
    REVOKE = "revoke"
    MANAGE_PROGRAMS = "manage_programs"
    MANAGE_SESSIONS = "manage_sessions"
    ENROLL = "enroll"
    RECORD_ELIGIBILITY = "record_eligibility"
    GRADE = "grade"
    PROPOSE = "propose"
    APPROVE = "approve"
    SIGN = "sign"
    MANAGE_STAFF = "manage_staff"
    READ_AUDIT = "read_audit"
    MANAGE_ARCHIVE = "manage_archive"  # delete archived documents past their retention


_MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
_ALL = frozenset(Role)

#: Which staff roles may do what. The organization's API key keeps the engine's rights
#: (issue, revoke, programs) and has no part in the workflow: four eyes needs two people.
STAFF_PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.READ: _ALL,
    Action.FOLLOW: _ALL,
    Action.REVOKE: _MANAGERS,
    Action.MANAGE_PROGRAMS: _MANAGERS,
    Action.MANAGE_SESSIONS: _MANAGERS,
    Action.ENROLL: _MANAGERS,
    Action.RECORD_ELIGIBILITY: _MANAGERS,
    Action.GRADE: frozenset({Role.MANAGER, Role.EVALUATOR}),
    Action.PROPOSE: _MANAGERS,
    Action.APPROVE: _MANAGERS,
    Action.SIGN: frozenset({Role.SIGNATORY}),
    Action.MANAGE_STAFF: frozenset({Role.ADMIN}),
    Action.READ_AUDIT: frozenset({Role.ADMIN, Role.AUDITOR}),
    Action.MANAGE_ARCHIVE: frozenset({Role.ADMIN}),
}
API_KEY_PERMISSIONS = frozenset({Action.READ, Action.ISSUE, Action.REVOKE, Action.MANAGE_PROGRAMS})

PrincipalKind = Literal["staff", "api_key", "system"]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, bound to one organization."""

    kind: PrincipalKind
    organization_id: int
    organization_slug: str
    staff_id: int | None = None
    email: str | None = None
    role: Role | None = None
    name: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        if self.kind == "staff":
            return f"staff:{self.email}"
        if self.kind == "api_key":
            return f"api:{self.organization_slug}"
        return f"system:{self.name or 'job'}"

    def may(self, action: Action) -> bool:
        """Whether this caller's role allows ``action`` (system jobs act for whoever queued
        them, who was checked then)."""
        if self.kind == "system":
            return True
        if self.kind == "api_key":
            return action in API_KEY_PERMISSIONS
        return self.role is not None and self.role in STAFF_PERMISSIONS.get(action, frozenset())

    def require(self, action: Action) -> None:
        """PermissionDenied unless this caller may do ``action``."""
        if not self.may(action):
            who = f"the {self.role} role" if self.role else "an organization API key"
            raise PermissionDenied(f"{who} may not {action.value.replace('_', ' ')}")


def system_principal(organization_id: int, organization_slug: str, name: str) -> Principal:
    """The principal of a job or command acting on behalf of the organization."""
    return Principal("system", organization_id, organization_slug, name=name)
