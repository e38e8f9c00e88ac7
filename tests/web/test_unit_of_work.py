"""The request's unit of work: it commits once when the answer is a success (or a refusal the
view keeps), rolls back otherwise, and runs side effects only after its commit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint, redirect
from sqlalchemy import func, select

from core.audit.log import append
from core.db.models import AuditEvent
from core.errors import InputError
from core.web.database import after_commit, deps, keep_on_refusal, refused
from wsgi import create_app


@pytest.fixture
def probe(settings) -> Iterator[Any]:
    effects: list[str] = []
    bp = Blueprint("probe", __name__)

    def write(tag: str) -> None:
        d = deps()
        append(
            d.session, actor="test", action=tag, subject="s", organization=None, now=d.clock.now()
        )
        after_commit(lambda: effects.append(tag))

    @bp.post("/probe/ok")
    def ok() -> Any:
        write("ok")
        return {"ok": True}

    @bp.post("/probe/raises")
    def raises() -> Any:
        write("raises")
        raise InputError("no")

    @bp.post("/probe/refused")
    def refused_view() -> Any:
        write("refused")
        return {"refused": True}, 401

    @bp.post("/probe/kept")
    def kept() -> Any:
        write("kept")
        keep_on_refusal()
        return {"refused": True}, 401

    @bp.post("/probe/refused-by-the-view")
    def handled() -> Any:
        try:
            write("handled")
            raise InputError("no")
        except InputError as error:
            refused(error)
            return redirect("/elsewhere")

    @bp.post("/probe/crashes-after-commit")
    def crash_effect() -> Any:
        write("effect-crash")
        after_commit(lambda: 1 / 0)
        return {"ok": True}

    app = create_app(settings)
    app.extensions["csrf"].exempt(bp)  # a JSON probe, as the Bearer APIs are
    app.register_blueprint(bp)
    yield app.test_client(), effects
    app.extensions["sceau"]["sessions"].kw["bind"].dispose()  # its own engine and pool


def _events(runtime, action: str) -> int:
    with runtime.unit() as d:
        return (
            d.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


def test_a_success_commits_then_runs_its_side_effects(probe, runtime) -> None:
    client, effects = probe
    assert client.post("/probe/ok").status_code == 200
    assert _events(runtime, "ok") == 1
    assert effects == ["ok"]


@pytest.mark.parametrize("route", ["raises", "refused", "refused-by-the-view"])
def test_an_error_answer_writes_nothing_and_has_no_side_effect(probe, runtime, route) -> None:
    client, effects = probe
    status = {"raises": 400, "refused": 401, "refused-by-the-view": 302}[route]
    assert client.post(f"/probe/{route}").status_code == status
    assert _events(runtime, {"refused-by-the-view": "handled"}.get(route, route)) == 0
    assert effects == []


def test_a_refusal_the_view_keeps_is_committed(probe, runtime) -> None:
    client, effects = probe
    assert client.post("/probe/kept").status_code == 401
    assert _events(runtime, "kept") == 1
    assert effects == ["kept"]


def test_a_failing_side_effect_does_not_undo_the_request(probe, runtime, caplog) -> None:
    client, _ = probe
    assert client.post("/probe/crashes-after-commit").status_code == 200
    assert _events(runtime, "effect-crash") == 1
    assert "a side effect after the commit failed" in caplog.text
