"""Benchmark: one session from CSV import to every credential issued by `sceau worker`.

Run `python -m benchmarks.workflow [--candidates 200 --candidates 2000] [--database-url URL]`;
prints one JSON object per size, then one comparing them. Each size runs in a process of its
own (so that its peak memory is its own) on a fresh database: a temporary SQLite file, or the
PostgreSQL database that `--database-url` names, dropped and created again for each size and
dropped at the end. The stack is the real one, driven through the services the HTTP API calls:

- `import_s`: parsing the CSV and enrolling it (`POST /sessions/<id>/candidates`);
- eligibility and grades, one service call per file as the API makes them (`grading_s`, untimed
  target); nine candidates in ten pass;
- `results_s`: the jury's list of the whole session (`GET /sessions/<id>/results`);
- proposal and approval (four eyes), then `issue_s`: from the signature (TOTP code, job queued
  after the commit) to the job done, issued by `sceau worker --workers 2` started beforehand
  in a subprocess with the same environment (SQLite Huey queue in the instance folder);
- `peak_rss_mb`: the largest peak RSS (VmHWM) of this process and of the worker's processes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import pyotp
from sqlalchemy import select

from core.accounts.principal import Principal
from core.db.migrate import upgrade
from core.db.models import Job
from core.settings import Settings, load_settings
from core.tasks import enqueue
from core.unit_of_work import Runtime
from core.workflow.candidates import csv_rows, parse_candidates
from issuer.services.decisions import approve, propose
from issuer.services.enrollments import enroll_candidates, record_eligibility
from issuer.services.organizations import create_organization
from issuer.services.programs import create_program
from issuer.services.results import record_grades, session_results
from issuer.services.sessions import create_session
from issuer.services.signoff import sign
from issuer.services.staff import create_staff, staff_principal
from wsgi import load_job_handlers

ROOT = Path(__file__).resolve().parent.parent
SIZES = (200, 2000)
#: Eligibility and grades are committed this many files at a time.
BATCH = 200
JOB_TIMEOUT_S = 600.0

PROGRAM: dict[str, Any] = {
    "code": "BENCH-WF",
    "name": "Soudage à l'arc, niveau 1",
    "description": "Soudage à l'arc à électrode enrobée.",
    "criteria": "Moyenne pondérée de 12/20, épreuve pratique éliminatoire sous 10/20.",
    "achievementType": "Certification",
    "validityDays": 1095,
    "assessments": [
        {"code": "ECR", "name": "Épreuve écrite", "coefficient": 1, "maxScore": 20},
        {"code": "ORA", "name": "Épreuve orale", "coefficient": 2, "maxScore": 20},
        {
            "code": "PRA",
            "name": "Épreuve pratique",
            "coefficient": 3,
            "maxScore": 20,
            "eliminatoryBelow": 10,
        },
    ],
    "passMark": 12,
    "eligibility": {"prerequisites": ["Formation"], "minAttendancePercent": 80},
}
ELIGIBLE = {
    "identityChecked": True,
    "identityDocument": "passeport",
    "prerequisitesMet": True,
    "attendancePercent": 95,
    "fileComplete": True,
}
STAFF = {
    "manager": "manager",
    "manager2": "manager",
    "evaluator": "evaluator",
    "signatory": "signatory",
}


def candidates_csv(count: int) -> str:
    """An import file of ``count`` candidates."""
    lines = ["family_name,given_names,birth_date,email,sex,access_route"]
    for i in range(count):
        lines.append(
            f"Candidat{i},Jean Marie,19{70 + i % 30}-0{1 + i % 9}-1{i % 10},"
            f"candidat{i}@example.org,{'MF'[i % 2]},CANDIDAT_LIBRE"
        )
    return "\n".join(lines) + "\n"


def _grades(i: int) -> dict[str, Any]:
    # One candidate in ten fails on the eliminatory practical exam.
    return {"ECR": 10 + i % 10, "ORA": "13,5", "PRA": 8 if i % 10 == 9 else 12 + i % 8}


# --- databases -----------------------------------------------------------------------------


def _admin_url(url: str) -> tuple[str, str]:
    server, _, name = url.rpartition("/")
    return server.replace("+psycopg", "") + "/postgres", name


def recreate_postgres(url: str) -> None:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str) -> None:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the worker's processes ----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (the consumer forks its workers and scheduler)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def peak_rss_mb(pid: int) -> float:
    """VmHWM (the peak resident set) of a live process, in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def start_worker(settings: Settings, env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    """`sceau worker --workers N` in a subprocess with the benchmark's environment."""
    sceau = Path(sys.executable).with_name("sceau")  # the venv's entry point
    # The child keeps its own copy of the log's descriptor: ours can be closed at once.
    with open(settings.instance_dir / "worker.log", "wb") as log:
        return subprocess.Popen(
            [str(sceau), "worker", "--workers", str(workers)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=40)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


# --- one size ------------------------------------------------------------------------------


def _setup(runtime: Runtime) -> tuple[str, dict[str, Principal], str]:
    """Body, program, staff and an open session; (session id, principals, TOTP secret)."""
    with runtime.unit() as deps:
        org = create_organization(deps, slug="bench", name="Organisme de banc d'essai").organization
        create_program(deps, org, PROGRAM, actor="bench")
        principals, secret = {}, ""
        for name, role in STAFF.items():
            created = create_staff(
                deps, org, email=f"{name}@bench.example", role=role, name=name, actor="bench"
            )
            principals[name] = staff_principal(created.member)
            secret = created.totp_secret or secret
        session = create_session(
            deps,
            principals["manager"],
            {
                "program": PROGRAM["code"],
                "name": "Session de banc d'essai",
                "startsOn": "2026-06-01",
                "endsOn": "2026-06-03",
                "place": "Lyon",
            },
        )
        return session.id, principals, secret


def _wait_for_job(runtime: Runtime, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        with runtime.read_sessions() as session:
            job = session.execute(select(Job).where(Job.id == job_id)).scalar_one()
            if job.state in ("done", "failed"):
                return {
                    "state": job.state,
                    "done": job.done,
                    "total": job.total,
                    "errors": (job.errors or [])[:5],
                }
        time.sleep(0.02)
    raise RuntimeError(f"job {job_id} did not finish in {JOB_TIMEOUT_S} s")


def run_size(count: int, database_url: str | None, workers: int) -> dict[str, Any]:
    """Everything for one session of ``count`` candidates; the figures."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        if url.startswith("postgresql"):
            recreate_postgres(url)
        env = {"SCEAU_INSTANCE_DIR": folder, "DATABASE_URL": url, "SCEAU_ENV": "test"}
        settings = load_settings(env)
        upgrade(url)
        load_job_handlers()
        runtime = Runtime(settings)
        worker = None
        try:
            session_id, who, secret = _setup(runtime)
            # Started now, so that its start-up is not counted in issue_s.
            worker = start_worker(settings, env, workers)
            started = time.perf_counter()
            with runtime.unit() as deps:
                rows = parse_candidates(csv_rows(candidates_csv(count)), deps.clock.now().date())
                enrolled = [
                    e.id for e, _ in enroll_candidates(deps, who["manager"], session_id, rows)
                ]
            import_s = time.perf_counter() - started

            started = time.perf_counter()
            for first in range(0, count, BATCH):
                with runtime.unit() as deps:
                    for i in range(first, min(first + BATCH, count)):
                        record_eligibility(deps, who["manager"], enrolled[i], ELIGIBLE)
                        record_grades(deps, who["evaluator"], enrolled[i], _grades(i))
            grading_s = time.perf_counter() - started

            with runtime.unit() as deps:
                started = time.perf_counter()
                results = session_results(deps, who["manager"], session_id)
                results_s = time.perf_counter() - started
            passed = sum(1 for r in results if r["passed"])

            with runtime.unit() as deps:
                propose(deps, who["manager"], session_id)
            with runtime.unit() as deps:
                approve(deps, who["manager2"], session_id)

            started = time.perf_counter()
            with runtime.unit() as deps:
                code = pyotp.TOTP(secret).at(deps.clock.now())
                job_id, queue = sign(deps, who["signatory"], session_id, code)
            if queue:
                enqueue(settings, job_id)
            job = _wait_for_job(runtime, job_id)
            issue_s = time.perf_counter() - started
            worker_pids = [worker.pid, *_children(worker.pid)]
            worker_peak = max(peak_rss_mb(pid) for pid in worker_pids)
        finally:
            if worker is not None:
                stop_worker(worker)
            worker_log = (settings.instance_dir / "worker.log").read_text()[-3000:]
            runtime.close()
            if url.startswith("postgresql"):
                drop_postgres(url)
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if job["state"] != "done" or job["done"] != passed:
        raise RuntimeError(f"the job ended {job} for {passed} passed candidates: {worker_log}")
    return {
        "benchmark": "workflow",
        "candidates": count,
        "credentials": job["done"],
        "import_s": round(import_s, 3),
        "grading_s": round(grading_s, 2),
        "results_s": round(results_s, 3),
        "issue_s": round(issue_s, 2),
        "credentials_per_s": round(job["done"] / issue_s, 1),
        "peak_rss_mb": round(max(main_peak, worker_peak), 1),
        "main_rss_mb": round(main_peak, 1),
        "worker_rss_mb": round(worker_peak, 1),
        "workers": workers,
        "database": url.split(":", 1)[0],
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--candidates", type=int, action="append", help=f"a size to run (default {SIZES})"
    )
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args()
    sizes = args.candidates or list(SIZES)
    if args.one:
        figures = run_size(sizes[0], args.database_url, args.workers)
        print(json.dumps(figures), flush=True)
        return
    runs = []
    for size in sizes:
        # A process per size: a peak RSS is a process's whole life's peak.
        command = [sys.executable, "-m", "benchmarks.workflow", "--one", "--candidates", str(size)]
        command += ["--workers", str(args.workers)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        out = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"size {size} failed:\n{out.stderr}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    if len(runs) > 1:
        small, large = (
            min(runs, key=lambda r: r["candidates"]),
            max(runs, key=lambda r: r["candidates"]),
        )
        print(
            json.dumps(
                {
                    "benchmark": "workflow",
                    "sizes": [small["candidates"], large["candidates"]],
                    "peak_rss_ratio": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3),
                    "worker_rss_ratio": round(large["worker_rss_mb"] / small["worker_rss_mb"], 3),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
