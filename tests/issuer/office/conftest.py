"""Fixtures of the back-office tests: staff members set up and ready, a fixed clock, full
rate-limit budgets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from office_support import PASSWORD, Member
from sqlalchemy import select

from core.clock import FixedClock
from core.db.models import Organization
from core.unit_of_work import Runtime
from issuer.services.organizations import create_organization
from issuer.services.signin import complete_setup
from issuer.services.staff import create_staff


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app: Any) -> Iterator[None]:
    """Each test starts with a full budget (the session-wide app keeps its counters)."""
    for limiter in app.extensions.get("limiter", ()):
        limiter.reset()
    yield


@pytest.fixture
def clock(app: Any, runtime: Runtime) -> Iterator[FixedClock]:
    """Stop the app's and the runtime's clocks 10 s into a TOTP step, so that codes are
    deterministic; tests move ``clock.instant`` forward to let time pass."""
    now = datetime.now(UTC).replace(microsecond=0)
    fixed = FixedClock(now - timedelta(seconds=now.timestamp() % 30) + timedelta(seconds=10))
    extension = app.extensions["sceau"]
    saved = extension["clock"], runtime.clock
    extension["clock"], runtime.clock = fixed, fixed
    yield fixed
    extension["clock"], runtime.clock = saved


@pytest.fixture
def staff(runtime: Runtime, clock: FixedClock) -> Any:
    """Factory: staff(role, org="acme", email=None, ready=True) -> Member. ``ready`` members
    have followed their setup link (TOTP roles with the code of the previous step, so that the
    current one is free for sign-in)."""

    def factory(
        role: str = "evaluator",
        org: str = "acme",
        email: str | None = None,
        name: str | None = "Ada Lovelace",
        ready: bool = True,
        password: str = PASSWORD,
    ) -> Member:
        with runtime.unit() as deps:
            body = deps.session.scalar(select(Organization).where(Organization.slug == org))
            if body is None:
                body = create_organization(
                    deps, slug=org, name=f"{org.title()} Certification"
                ).organization
            created = create_staff(
                deps,
                body,
                email=email or f"{role}@{org}.example",
                role=role,
                name=name,
                actor="test",
            )
            member = Member(
                created.member.id,
                org,
                created.member.email,
                role,
                name,
                password,
                created.setup_token,
                created.totp_secret,
            )
            if ready:
                earlier = clock.instant - timedelta(seconds=30)
                code = member.code(earlier) if member.totp_secret else None
                complete_setup(
                    deps, created.setup_token, password=password, confirm=password, code=code
                )
        return member

    return factory
