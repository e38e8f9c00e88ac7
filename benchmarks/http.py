"""Benchmark: latency and throughput of the public HTTP routes under gunicorn (2 sync workers).

Run `python -m benchmarks.http [--seconds 10] [--clients 4] [--workers 2]`; prints one JSON
object. Starts `gunicorn --workers 2 'wsgi:create_app()'` from this checkout on a free local port
with a fresh database (SQLite in a temporary instance folder, or BENCH_DATABASE_URL, e.g.
PostgreSQL, migrated and given a `bench<pid>` organization), issues one credential with
`POST /api/v1/credentials`, then drives each route in turn for `--seconds` (env BENCH_SECONDS)
with `--clients` client processes, each on one keep-alive connection (gunicorn's sync workers
close it after every response: the client reconnects, which is normal, not an error), after a
`--warmup` of 1 s that is not counted. Route keys of the output:

- `page_html`: `GET /c/<uuid>` with `Accept: text/html` (the page runs a full verification);
- `credential_json`: `GET /c/<uuid>.json` (the stored signed JSON-LD);
- `verify_api`: `POST /api/v1/verify` with `{"credential": <the signed credential>}`;
- `verify_pdf`: `POST /api/v1/verify` with the sealed certificate PDF as a multipart `file`
  (seal, attachment, QR code and the credential checked);
- `verify_photo`: the same with a JPEG photo of the certificate's first page (the server finds
  the QR code and follows it).

Besides the routes, `photo_qr` times finding the QR code in that photo in this process.

Per route: `requests` (2xx answers in the window), `rps`, `p50_ms`, `p90_ms`, `p99_ms`, `max_ms`
(nearest rank, over the 2xx answers; a request's latency includes its reconnection), `errors`
(non-2xx or exception), `connections` (TCP connections opened). This machine's speed varies
from minute to minute: run it several times before comparing figures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import platform
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from benchmarks.verify_payloads import multipart, photo_of, qr_milliseconds

ROOT = Path(__file__).resolve().parent.parent  # the checkout gunicorn serves
START_TIMEOUT = 60.0  # seconds for gunicorn to answer on its port
REQUEST_TIMEOUT = 60.0

ISSUE_BODY: dict[str, Any] = {
    "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
    "achievement": {
        "name": "Welding, level 1",
        "description": "Arc welding.",
        "criteria": "Pass the practical exam.",
        "achievementType": "Certification",
    },
    "results": [{"name": "Practical exam", "value": "15", "valueMax": "20", "requiredValue": "12"}],
}


class BenchError(Exception):
    """The benchmark cannot run (server did not start, setup request refused)."""


@dataclass(frozen=True)
class Route:
    """One request, repeated by every client."""

    key: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass
class ClientResult:
    """What one client process measured on one route."""

    latencies: list[float] = field(default_factory=list)  # seconds, 2xx answers only
    errors: int = 0
    connections: int = 0
    elapsed: float = 0.0
    samples: list[str] = field(default_factory=list)  # the first few errors, for stderr


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(folder: Path, port: int) -> dict[str, str]:
    """The server's environment: this checkout first on the path, a fresh instance folder."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        SCEAU_INSTANCE_DIR=str(folder),
        SCEAU_BASE_URL=f"http://127.0.0.1:{port}",
        SCEAU_ENV="development",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
        SCEAU_RATE_LIMIT="off",  # a load test is one client address: not an abuse
    )
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    return env


def _prepare(env: dict[str, str], slug: str) -> tuple[str, str]:
    """Migrate the database and create the organization; its (database URL, API key)."""
    from core.db.migrate import upgrade
    from core.settings import load_settings
    from core.unit_of_work import Runtime
    from issuer.services.organizations import create_organization

    settings = load_settings(env)  # also writes the development secrets the workers will read
    upgrade(settings.database_url)
    with Runtime(settings) as runtime, runtime.unit() as deps:
        created = create_organization(deps, slug=slug, name="Organisme de banc d'essai")
    return settings.database_url, created.api_key


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "(no gunicorn output)"
    return "\n".join(text.splitlines()[-lines:]) or "(no gunicorn output)"


def _start_gunicorn(
    env: dict[str, str], port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "wsgi:create_app()",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_until_listening(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}:\n{_log_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"gunicorn did not answer on port {port} in {START_TIMEOUT:.0f} s:\n"
                     f"{_log_tail(log)}")  # fmt: skip


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful), then SIGKILL to gunicorn's own process group."""
    if server.poll() is None:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)  # workers left behind, if any
    server.wait()


def _call(port: int, route: Route) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(route.method, route.path, body=route.body, headers=route.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _issue(port: int, api_key: str) -> tuple[str, dict[str, Any]]:
    """Issue the credential over HTTP; its UUID and signed document."""
    route = Route(
        "issue",
        "POST",
        "/api/v1/credentials",
        {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        json.dumps(ISSUE_BODY).encode(),
    )
    status, body = _call(port, route)
    if status != 201:
        raise BenchError(f"POST /api/v1/credentials answered {status}: {body[:500]!r}")
    issued = json.loads(body)
    return issued["id"].rsplit("/", 1)[1], issued["credential"]


def _routes(uuid: str, credential: dict[str, Any], pdf: bytes, photo: bytes) -> list[Route]:
    verify_body = json.dumps({"credential": credential}).encode()
    pdf_body, pdf_type = multipart("file", "certificate.pdf", "application/pdf", pdf)
    photo_body, photo_type = multipart("file", "photo.jpg", "image/jpeg", photo)
    return [
        Route("page_html", "GET", f"/c/{uuid}", {"Accept": "text/html"}),
        Route("credential_json", "GET", f"/c/{uuid}.json", {"Accept": "*/*"}),
        Route(
            "verify_api",
            "POST",
            "/api/v1/verify",
            {"Content-Type": "application/json", "Accept": "application/json"},
            verify_body,
        ),
        Route("verify_pdf", "POST", "/api/v1/verify", {"Content-Type": pdf_type}, pdf_body),
        Route("verify_photo", "POST", "/api/v1/verify", {"Content-Type": photo_type}, photo_body),
    ]


def _check(port: int, route: Route) -> None:
    """One request before measuring: the route must answer 2xx, and verify the credential."""
    status, body = _call(port, route)
    if not 200 <= status < 300:
        raise BenchError(f"{route.method} {route.path} answered {status}: {body[:500]!r}")
    if route.key == "page_html" and b'class="verdict ok"' not in body:
        raise BenchError(f"the page of {route.path} does not show the credential as verified")
    if route.key.startswith("verify_") and json.loads(body).get("verified") is not True:
        raise BenchError(f"{route.key}: the credential was not verified: {body[:500]!r}")


def _client(
    port: int, route: Route, warmup: float, seconds: float, barrier: Barrier, results: Any
) -> None:
    """One client process: warm up, then measure for `seconds`; puts a ClientResult."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    result = ClientResult()
    barrier.wait()
    started = time.perf_counter()
    measure_from = started + warmup
    until = measure_from + seconds
    problem = ""
    while (now := time.perf_counter()) < until:
        counted = now >= measure_from
        if conn.sock is None and counted:
            result.connections += 1  # http.client reconnects by itself after Connection: close
        try:
            conn.request(route.method, route.path, body=route.body, headers=route.headers)
            response = conn.getresponse()
            response.read()
            status: int | None = response.status
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            status, problem = None, f"{type(error).__name__}: {error}"
        done = time.perf_counter()
        if counted:
            if status is not None and 200 <= status < 300:
                result.latencies.append(done - now)
            else:
                result.errors += 1
                if len(result.samples) < 3:
                    result.samples.append(problem if status is None else f"status {status}")
        if status is None:
            time.sleep(0.01)  # a refused connection must not spin
    result.elapsed = time.perf_counter() - measure_from
    conn.close()
    results.put(result)


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted latencies, in milliseconds."""
    if not ordered:
        return 0.0
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000, 1)


def _drive(port: int, route: Route, clients: int, warmup: float, seconds: float) -> dict[str, Any]:
    """Run the clients on one route; the route's figures."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients)
    results = context.Queue()
    processes = [
        context.Process(
            target=_client, args=(port, route, warmup, seconds, barrier, results), daemon=True
        )
        for _ in range(clients)
    ]
    for process in processes:
        process.start()
    collected: list[ClientResult] = []
    try:
        deadline = time.monotonic() + warmup + seconds + REQUEST_TIMEOUT + 30
        for _ in processes:
            collected.append(results.get(timeout=max(1.0, deadline - time.monotonic())))
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    ordered = sorted(x for r in collected for x in r.latencies)
    for sample in sorted({s for r in collected for s in r.samples}):
        print(f"{route.key}: {sample}", file=sys.stderr)
    return {
        "requests": len(ordered),
        "rps": round(sum(len(r.latencies) / r.elapsed for r in collected if r.elapsed > 0), 1),
        "p50_ms": _percentile(ordered, 50),
        "p90_ms": _percentile(ordered, 90),
        "p99_ms": _percentile(ordered, 99),
        "max_ms": _percentile(ordered, 100),
        "errors": sum(r.errors for r in collected),
        "connections": sum(r.connections for r in collected),
    }


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS") or 10),
        help="measured seconds per route (default 10, or BENCH_SECONDS)",
    )  # fmt: skip
    parser.add_argument("--clients", type=int, default=8, help="client processes (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--warmup", type=float, default=1.0, help="uncounted seconds per route")
    args = parser.parse_args()
    if args.seconds <= 0 or args.clients < 1 or args.workers < 1 or args.warmup < 0:
        parser.error("--seconds must be > 0, --clients and --workers >= 1, --warmup >= 0")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the server on a fresh database, measure every route, always stop the server."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="sceau-bench-http-") as name:
        folder = Path(name)
        env = _environment(folder, port)
        database_url, api_key = _prepare(env, f"bench{os.getpid()}")
        log = folder / "gunicorn.log"
        server = _start_gunicorn(env, port, args.workers, log)
        try:
            _wait_until_listening(server, port, log)
            uuid, credential = _issue(port, api_key)
            status, pdf = _call(port, Route("pdf", "GET", f"/c/{uuid}.pdf", {}))
            if status != 200:
                raise BenchError(f"GET /c/{uuid}.pdf answered {status}: {pdf[:500]!r}")
            photo = photo_of(pdf)
            figures: dict[str, Any] = {"photo_qr": qr_milliseconds(photo)}
            for route in _routes(uuid, credential, pdf, photo):
                _check(port, route)
                figures[route.key] = _drive(port, route, args.clients, args.warmup, args.seconds)
            if server.poll() is not None:
                raise BenchError(f"gunicorn stopped during the run:\n{_log_tail(log)}")
            if any(f.get("errors") for f in figures.values()):
                print(f"gunicorn output (tail):\n{_log_tail(log)}", file=sys.stderr)
        except (OSError, http.client.HTTPException, queue.Empty, ValueError, KeyError) as error:
            raise BenchError(f"{type(error).__name__}: {error}\n{_log_tail(log)}") from error
        finally:
            _stop(server)
    return {
        "benchmark": "http",
        "workers": args.workers,
        "clients": args.clients,
        "seconds": int(args.seconds) if args.seconds.is_integer() else args.seconds,
        "database": database_url.split(":", 1)[0].split("+", 1)[0],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "routes": figures,
    }


def main() -> None:
    args = _arguments()
    try:
        report = run(args)
    except BenchError as error:
        sys.exit(f"benchmarks.http: {error}")
    print(json.dumps(report))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
