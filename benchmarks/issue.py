"""Benchmark: credentials issued per second by the service layer (proof, JWT, index, commit).

Run `python -m benchmarks.issue [--count 1000] [--batches 3]`; prints one JSON object. Issues
`--batches` batches of `--count` credentials into one fresh database (SQLite in a temporary folder
unless BENCH_DATABASE_URL names another, e.g. PostgreSQL) and reports the median batch: this
machine's speed varies from minute to minute, every batch is listed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from core.credentials.issue_request import parse_issue_request
from core.db.migrate import upgrade
from core.keys.directory import find_org
from core.settings import load_settings
from core.unit_of_work import Runtime
from issuer.services.bulk import issue_rows
from issuer.services.issuance import issue_credential
from issuer.services.organizations import create_organization
from issuer.services.programs import create_program

PROGRAM = {
    "code": "BENCH-1",
    "name": "Soudage à l'arc, niveau 1",
    "description": "Soudage à l'arc à électrode enrobée.",
    "criteria": "Épreuve pratique 12/20 ou plus.",
    "achievementType": "Certification",
    "alignments": [{"targetName": "RNCP 1234", "targetUrl": "https://www.francecompetences.fr/"}],
    "validityDays": 1095,
}


def _request(i: int) -> dict[str, object]:
    return {
        "recipient": {"email": f"candidate{i}@example.org", "name": f"Candidat {i}"},
        "achievement": {"code": PROGRAM["code"]},
        "results": [
            {
                "name": "Épreuve pratique",
                "value": str(10 + i % 10),
                "valueMax": "20",
                "requiredValue": "12",
            },
            {
                "name": "QCM sécurité",
                "value": str(8 + i % 12),
                "valueMax": "20",
                "requiredValue": "10",
            },
        ],
    }


def _row(i: int) -> dict[str, str]:
    """A CSV row (as `sceau issue` reads it) for candidate i."""
    return {
        "email": f"candidate{i}@example.org",
        "name": f"Candidat {i}",
        "result:Épreuve pratique": f"{10 + i % 10}/20",
        "result:QCM sécurité": f"{8 + i % 12}/20",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = (
            os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        )
        settings = load_settings(
            {"SCEAU_INSTANCE_DIR": folder, "DATABASE_URL": database_url, "SCEAU_ENV": "test"}
        )
        upgrade(database_url)
        runtime = Runtime(settings)
        slug = f"bench{os.getpid()}"
        with runtime.unit() as deps:
            org = create_organization(
                deps, slug=slug, name="Organisme de banc d'essai"
            ).organization
            create_program(deps, org, PROGRAM, actor="bench")
        with runtime.unit() as deps:  # the first credential of a shape builds its template
            issue_credential(deps, org, parse_issue_request(_request(-1)), actor="bench")
        rates = []  # bulk: as `sceau issue --csv` does, one commit per chunk of rows
        for batch in range(args.batches):
            rows = [(i, _row(i)) for i in range(batch * args.count, (batch + 1) * args.count)]
            started = time.perf_counter()
            report = issue_rows(rows, PROGRAM["code"], runtime.unit, slug, actor="bench")
            rates.append(args.count / (time.perf_counter() - started))
            assert report.issued == args.count, report.to_json()
        single = args.count // 4  # one request, one commit: as POST /api/v1/credentials does
        started = time.perf_counter()
        for i in range(single):
            with runtime.unit() as deps:
                issue_credential(
                    deps,
                    find_org(deps.session, slug),
                    parse_issue_request(_request(-2 - i)),  # parsed as the API view does
                    actor="bench",
                )
        single_rate = single / (time.perf_counter() - started)
        runtime.close()
    rate = statistics.median(rates)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "benchmark": "issue",
                "credentials": args.count,
                "batches": [round(r, 1) for r in rates],
                "credentials_per_s": round(rate, 1),
                "ms_per_credential": round(1000 / rate, 3),
                "single_request_credentials_per_s": round(single_rate, 1),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "database": database_url.split(":", 1)[0],
                "python": platform.python_version(),
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
