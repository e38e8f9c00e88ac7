"""The benchmarks still run end to end (at a tiny size, untimed: speed is measured by
running it, never asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_workflow_benchmark_runs_at_a_tiny_size() -> None:
    command = [sys.executable, "-m", "benchmarks.workflow", "--candidates", "5"]
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:  # a database of its own beside the suite's, created and dropped by the benchmark
        command += ["--database-url", f"{pg}_workflow_bench_{os.getpid()}"]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (figures,) = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert figures["candidates"] == 5 and figures["credentials"] == 5  # the tenth fails
    assert figures["database"] == ("postgresql+psycopg" if pg else "sqlite")
    for key in ("import_s", "results_s", "issue_s", "credentials_per_s", "peak_rss_mb"):
        assert figures[key] > 0, key


def test_the_documents_benchmark_runs_at_a_tiny_size() -> None:
    command = [sys.executable, "-m", "benchmarks.documents", "--small", "2", "--large", "4"]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.splitlines()[-1])
    assert figures["certificates"] == 4 and figures["workers"] == 2
    assert set(figures["ms_per_certificate"]) == {
        "credential",
        "template",
        "pdf",
        "seal",
        "png",
        "archive",
        "total",
    }
    for key in ("certificates_per_s", "peak_rss_mb_100", "peak_rss_mb_1000"):
        assert figures[key] > 0, key
    assert all(v > 0 for v in figures["ms_per_certificate"].values())


def test_the_http_benchmark_runs_briefly_on_every_route() -> None:
    command = [sys.executable, "-m", "benchmarks.http", "--seconds", "0.5", "--clients", "2"]
    environment = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, env=environment
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.splitlines()[-1])
    routes = figures["routes"]
    assert set(routes) == {
        "photo_qr",
        "page_html",
        "credential_json",
        "verify_api",
        "verify_pdf",
        "verify_photo",
    }
    for key, route in routes.items():
        if key == "photo_qr":
            assert route["p50_ms"] > 0 and route["max_ms"] >= route["p50_ms"]
        else:  # each route verified its credential before it was measured (benchmarks.http)
            assert route["requests"] > 0 and route["errors"] == 0, (key, route)
