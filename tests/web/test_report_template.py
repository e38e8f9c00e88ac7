"""core/web/templates/report.html: the verification report's macros, usable by every blueprint."""

from __future__ import annotations

from typing import Any

from core.credentials.report import STEP_IDS, Step, VerificationReport


def _report(failing: dict[str, str]) -> VerificationReport:
    codes = {step: failing.get(step, "ok") for step in STEP_IDS}
    steps = [
        Step(step, step not in failing, code, f"{step}: {code}") for step, code in codes.items()
    ]
    return VerificationReport(
        verified=not failing, steps=steps, format="ldp", credential=None, issuer=None
    )


def _render(app: Any, report: VerificationReport) -> str:
    source = (
        '{% from "report.html" import verdict, steps %}{{ verdict(report) }}|{{ steps(report) }}'
    )
    with app.test_request_context("/"):
        return str(app.jinja_env.from_string(source).render(report=report))


def test_a_verified_report(app) -> None:
    verdict, table = _render(app, _report({})).split("|")
    assert verdict.startswith('<p class="verdict ok" id="verdict">Authentique')
    assert table.count("<tr data-step=") == len(STEP_IDS) and "✘" not in table


def test_a_genuine_but_revoked_report_lists_what_failed(app) -> None:
    verdict, table = _render(app, _report({"status": "revoked"})).split("|")
    assert verdict == '<p class="verdict ko" id="verdict">Non valide : status: revoked</p>'
    assert '<tr data-step="status"><td>status</td><td>✘ <code>revoked</code>' in table


def test_a_forged_report_says_so_and_leaves_out_skipped_steps(app) -> None:
    failing = {"proof": "invalid_signature", "issuer": "skipped", "dates": "skipped"}
    verdict, _ = _render(app, _report(failing)).split("|")
    assert verdict.startswith('<p class="verdict ko" id="verdict">Falsifié ou altéré')
    assert verdict.endswith("qu'il nomme. proof: invalid_signature</p>")
