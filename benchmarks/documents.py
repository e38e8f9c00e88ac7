"""Benchmark: complete certificates per second, made by worker processes as the jobs make them.

Run `python -m benchmarks.documents [--workers 2] [--small 100] [--large 1000]`. A complete
certificate is the credential (Data Integrity proof and VC-JWT), its PDF/A-3b (template, QR,
the credential and JWT attached), its PAdES seal, its baked PNG badge, and their archiving.
Each worker does what the issuing and documents jobs do, chunk by chunk: issue in one short
unit of work, render and seal outside any transaction (the documents job's preparer), archive
in a second short unit. Prints one JSON object on its last line: certificates_per_s (the large
run), ms_per_certificate by stage, peak_rss_mb_100 and peak_rss_mb_1000 (the largest worker),
on SQLite in a temporary folder unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

STAGES = ("credential", "template", "pdf", "seal", "png", "archive")
CHUNK = 20


def _environment(folder: str, database_url: str) -> dict[str, str]:
    return {
        "SCEAU_INSTANCE_DIR": folder,
        "DATABASE_URL": database_url,
        "SCEAU_ENV": "test",
        "SCEAU_BASE_URL": "https://certificats.example.org",
    }


def _request(i: int) -> dict[str, Any]:
    from benchmarks.issue import PROGRAM

    return {
        "recipient": {"email": f"candidate{i}@example.org", "name": f"Camille Candidat {i}"},
        "achievement": {"code": PROGRAM["code"]},
        "results": [
            {"name": "Épreuve pratique", "value": str(12 + i % 8), "valueMax": "20"},
            {"name": "QCM sécurité", "value": str(10 + i % 10), "valueMax": "20"},
        ],
    }


def _work(environment: dict[str, str], slug: str, numbers: list[int], start: Any, out: Any) -> None:
    """One worker process: issue, render, seal, bake and archive its certificates."""
    from core.credentials.issue_request import parse_issue_request
    from core.db.models import Credential
    from core.documents.archive import archive_store
    from core.documents.badges import badge_png
    from core.documents.certificate import (
        certificate_pdf,
        certificate_source,
        render_certificate,
        seal_reason,
    )
    from core.documents.seal import existing_seal, seal_pdf
    from core.keys.directory import find_org
    from core.settings import load_settings
    from core.unit_of_work import Runtime
    from issuer.services.issuance import issue_credential

    runtime = Runtime(load_settings(environment))
    store = archive_store(runtime.settings)
    spent: dict[str, float] = defaultdict(float)
    start.wait()
    began = time.perf_counter()
    for first in range(0, len(numbers), CHUNK):
        chunk = numbers[first : first + CHUNK]
        tick = time.perf_counter()
        with runtime.unit() as deps:  # the issuing job's chunk
            org = find_org(deps.session, slug)
            ids = [
                issue_credential(
                    deps, org, parse_issue_request(_request(i)), actor="bench"
                ).credential.id
                for i in chunk
            ]
        spent["credential"] += time.perf_counter() - tick
        made: dict[str, bytes] = {}
        session = runtime.read_sessions()  # the documents job's preparer: no transaction held
        try:
            from core.deps import Deps

            deps = Deps(session, runtime.settings, runtime.clock, runtime.cipher)
            org = find_org(session, slug)
            seal = existing_seal(deps, org)
            for credential_id in ids:
                credential = session.get_one(Credential, credential_id)
                tick = time.perf_counter()
                source = certificate_source(deps, credential)
                tock = time.perf_counter()
                spent["template"] += tock - tick
                pdf = render_certificate(source)
                tick = time.perf_counter()
                spent["pdf"] += tick - tock
                sealed = seal_pdf(deps, org, pdf, seal_reason(credential), seal=seal)
                tock = time.perf_counter()
                spent["seal"] += tock - tick
                made[credential_id] = sealed
        finally:
            session.close()
        with runtime.unit() as deps:  # the documents job's chunk: archive, bake the badge
            for credential_id, sealed in made.items():
                credential = deps.session.get_one(Credential, credential_id)
                tick = time.perf_counter()
                certificate_pdf(deps, store, credential, made=sealed)
                tock = time.perf_counter()
                spent["archive"] += tock - tick
                badge_png(deps, store, credential)  # baked and archived
                spent["png"] += time.perf_counter() - tock
    elapsed = time.perf_counter() - began
    runtime.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put({"count": len(numbers), "spent": dict(spent), "elapsed": elapsed, "peak_kb": peak_kb})


def _run(environment: dict[str, str], slug: str, first: int, count: int, workers: int) -> Any:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers + 1)
    out = context.Queue()
    numbers = list(range(first, first + count))
    processes = [
        context.Process(target=_work, args=(environment, slug, numbers[w::workers], start, out))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    reports = [out.get(timeout=3600) for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a worker failed with exit code {process.exitcode}")
    return count / elapsed, reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=1000)
    args = parser.parse_args()

    from benchmarks.issue import PROGRAM
    from core.credentials.issue_request import parse_issue_request
    from core.db.migrate import upgrade
    from core.documents.seal_keys import ensure_seal
    from core.settings import load_settings
    from core.unit_of_work import Runtime
    from issuer.services.issuance import issue_credential
    from issuer.services.organizations import create_organization
    from issuer.services.programs import create_program

    with tempfile.TemporaryDirectory() as folder:
        database_url = (
            os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        )
        environment = _environment(folder, database_url)
        upgrade(database_url)
        slug = f"docbench{os.getpid()}"
        with Runtime(load_settings(environment)) as runtime:
            with runtime.unit() as deps:
                org = create_organization(deps, slug=slug, name="Organisme de banc d'essai")
                create_program(deps, org.organization, PROGRAM, actor="bench")
                ensure_seal(deps, org.organization)
            with runtime.unit() as deps:  # the first credential of a shape builds its template
                issue_credential(
                    deps, org.organization, parse_issue_request(_request(-1)), actor="bench"
                )
        _, small = _run(environment, slug, 0, args.small, args.workers)
        rate, large = _run(environment, slug, args.small, args.large, args.workers)
    count = sum(r["count"] for r in large)
    stages = {
        stage: round(1000 * sum(r["spent"].get(stage, 0.0) for r in large) / count, 2)
        for stage in STAGES
    }
    stages["total"] = round(sum(stages.values()), 2)
    print(
        json.dumps(
            {
                "benchmark": "documents",
                "workers": args.workers,
                "certificates": args.large,
                "certificates_per_s": round(rate, 1),
                "ms_per_certificate": stages,
                "peak_rss_mb_100": round(max(r["peak_kb"] for r in small) / 1024, 1),
                "peak_rss_mb_1000": round(max(r["peak_kb"] for r in large) / 1024, 1),
                "database": database_url.split(":", 1)[0],
                "python": platform.python_version(),
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
