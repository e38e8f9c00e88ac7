"""Two workers issuing at once never receive the same status index (PostgreSQL and SQLite)."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from sqlalchemy import select

from core.db.models import Credential
from core.settings import Settings
from core.unit_of_work import Runtime

PER_WORKER = 15
WORKERS = 3
# Indexes are drawn from a tiny range so that workers collide constantly.
RANGE = 64


def _worker(settings: Settings, slug: str, queue: Any) -> None:
    import core.status.lists as lists
    from core.credentials.issue_request import InlineAchievement, IssueRequest, Recipient
    from core.keys.directory import find_org
    from issuer.services.issuance import issue_credential

    lists.secrets.randbelow = lambda _n: int.from_bytes(os.urandom(2), "big") % RANGE  # type: ignore[attr-defined]
    runtime = Runtime(settings)
    done = 0
    for i in range(PER_WORKER):
        with runtime.unit() as deps:
            org = find_org(deps.session, slug)
            issue_credential(
                deps,
                org,
                IssueRequest(
                    Recipient(f"w{os.getpid()}-{i}@example.org"),
                    InlineAchievement({"name": "X", "description": "Y", "criteria": "Z"}),
                ),
                actor="test",
            )
        done += 1
    runtime.close()
    queue.put(done)


def test_concurrent_issuers_get_distinct_indexes(settings, acme, runtime) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_worker, args=(settings, acme.slug, queue)) for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
        assert process.exitcode == 0
    assert sum(queue.get(timeout=5) for _ in processes) == PER_WORKER * WORKERS
    with runtime.unit() as deps:
        rows = list(
            deps.session.execute(select(Credential.status_list_id, Credential.status_index))
        )
    assert len(rows) == PER_WORKER * WORKERS
    assert len(set(rows)) == len(rows)
    # 45 credentials in 64 slots: lists fill up and a second list is opened without duplicates.
    assert all(index < RANGE for _, index in rows)
