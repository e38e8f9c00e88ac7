"""Read-only requests never wait for a writer: on SQLite they do not take the write lock."""

from __future__ import annotations

import threading
from typing import Any

from core.credentials.issue_request import parse_issue_request
from core.keys.directory import find_org
from issuer.services.issuance import issue_credential


def _in_thread(call: Any) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(call()), daemon=True)
    thread.start()
    return thread, results


def test_public_reads_go_on_while_a_writer_holds_its_transaction(
    app, acme, issue, ada_request, runtime
) -> None:
    issued = issue(acme, ada_request)
    path = "/" + issued["id"].split("/", 3)[3]
    reads = {
        "page": lambda c: c.get(path, headers={"Accept": "text/html"}).status_code,
        "json": lambda c: c.get(path + ".json").status_code,
        "did": lambda c: c.get(f"/issuers/{acme.slug}/did.json").status_code,
        "status": lambda c: c.get(f"/status/{acme.slug}/1").status_code,
        "verify": lambda c: c.post(
            "/api/v1/verify", json={"credential": issued["credential"]}
        ).json["verified"],
        "home": lambda c: c.get("/").status_code,
        "result": lambda c: c.get("/verify", query_string={"url": issued["id"]}).status_code,
    }
    with runtime.unit() as deps:  # a writer in the middle of its unit of work
        issue_credential(
            deps, find_org(deps.session, acme.slug), parse_issue_request(ada_request), actor="test"
        )
        for name, read in reads.items():
            thread, results = _in_thread(lambda read=read: read(app.test_client()))
            thread.join(timeout=5)
            assert not thread.is_alive(), f"{name} waited for the writer"
            assert results == [True if name == "verify" else 200], name


def test_writes_still_wait_for_each_other(app, acme, ada_request, runtime) -> None:
    with runtime.unit() as deps:
        issue_credential(
            deps, find_org(deps.session, acme.slug), parse_issue_request(ada_request), actor="test"
        )
        thread, results = _in_thread(
            lambda: (
                app.test_client()
                .post("/api/v1/credentials", json=ada_request, headers=acme.auth)
                .status_code
            )
        )
        thread.join(timeout=0.5)
        assert thread.is_alive()  # queued behind the open unit of work
    thread.join(timeout=30)
    assert results == [201]
