"""Benchmark eddsa-rdfc-2022 sign / verify against Digital Bazaar's JS stack; prints one JSON."""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.credentials import jsonld
from core.credentials.proofs import sign_credential, verify_proof

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT / "tests" / "interop"
BENCH_JS = INTEROP / "js" / "bench.mjs"
RUNS = 300
WARMUP = 30
COLD_RUNS = 20
BASE = "https://sceau.example"
ISSUER = "did:web:sceau.example:issuers:acme"


def typical_credential(n: int = 0) -> dict[str, Any]:
    """A typical Sceau OB 3.0 credential (the n-th one: its id and candidate differ)."""
    salt = f"salt{n:08d}"
    email = f"candidate{n}@example.com"
    achievement = f"{BASE}/achievements/acme/WELD-1"
    status_list = f"{BASE}/status/acme/1"
    index = str(1000 + n)
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"{BASE}/c/{uuid.UUID(int=n + 1)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": ISSUER,
            "type": ["Profile"],
            "name": "ACME Certification",
            "url": "https://acme.example",
        },
        "validFrom": "2024-05-01T10:00:00Z",
        "validUntil": "2027-05-01T10:00:00Z",
        "name": "Certified Welder — level 1",
        "description": "Awarded after passing the written and practical exams.",
        "awardedDate": "2024-05-01T10:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest(),
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": achievement,
                "type": ["Achievement"],
                "name": "Welding level 1",
                "description": "Arc welding of steel plates in all positions.",
                "criteria": {"narrative": "At least 12/20 in the written and practical exams."},
                "achievementType": "Certificate",
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Welding",
                        "targetUrl": "https://esco.example/skill/welding",
                        "targetFramework": "ESCO",
                    }
                ],
                "resultDescription": [
                    {
                        "id": achievement + "#written",
                        "type": ["ResultDescription"],
                        "name": "Written exam",
                        "resultType": "GradePointAverage",
                    },
                    {
                        "id": achievement + "#practical",
                        "type": ["ResultDescription"],
                        "name": "Practical exam",
                        "resultType": "GradePointAverage",
                    },
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": achievement + "#written",
                    "value": str(12 + n % 8),
                },
                {
                    "type": ["Result"],
                    "resultDescription": achievement + "#practical",
                    "value": str(10 + n % 10),
                },
            ],
        },
        "credentialStatus": {
            "id": f"{status_list}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": index,
            "statusListCredential": status_list,
        },
    }


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def _time(
    fn: Callable[[int], object], runs: int, before: Callable[[], object] | None = None
) -> float:
    samples = []
    for i in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return _median_ms(samples)


def python_figures() -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    vm = ISSUER + "#key-1"
    credentials = [typical_credential(n) for n in range(RUNS + WARMUP)]

    def sign(i: int) -> dict[str, Any]:
        return sign_credential(
            credentials[i], private_key=key, verification_method=vm, created="2024-05-01T10:00:00Z"
        )

    signed = [sign(i) for i in range(RUNS + WARMUP)]  # also the warm-up

    def verify(i: int) -> None:
        verify_proof(signed[i], signed[i]["proof"][0], public)

    for i in range(WARMUP):
        verify(i)
    figures: dict[str, Any] = {
        "sign_ms": _time(lambda i: sign(WARMUP + i), RUNS),
        "verify_ms": _time(lambda i: verify(WARMUP + i), RUNS),
        "runs": RUNS,
        # first sight of a credential shape (template cache empty): pyld + template build
        "sign_ms_cold": _time(sign, COLD_RUNS, before=jsonld.clear_cache),
        "verify_ms_cold": _time(verify, COLD_RUNS, before=jsonld.clear_cache),
    }
    return figures


def reference_figures(credential: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        return {"reference_error": "node is not installed"}
    if not BENCH_JS.is_file():
        return {"reference_error": f"missing {BENCH_JS.relative_to(ROOT)}"}
    if not (INTEROP / "node_modules").is_dir():
        return {"reference_error": "missing tests/interop/node_modules (run npm ci)"}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(credential, handle)
        path = handle.name
    try:
        done = subprocess.run(
            [node, str(BENCH_JS), path, str(RUNS)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return {"reference_error": f"node failed: {type(exc).__name__}"}
    finally:
        Path(path).unlink(missing_ok=True)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
        return {"reference_error": f"bench.mjs exited {done.returncode}: {tail}"}
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return {
            "reference_sign_ms": float(result["sign_ms"]),
            "reference_verify_ms": float(result["verify_ms"]),
        }
    except (ValueError, KeyError, IndexError, TypeError):
        return {"reference_error": "bench.mjs printed no usable JSON"}


def main() -> int:
    figures = python_figures()
    reference = reference_figures(typical_credential(0))
    figures.update(
        {
            "reference_sign_ms": None,
            "reference_verify_ms": None,
            "sign_ratio": None,
            "verify_ratio": None,
        }
    )
    figures.update(reference)
    if figures["reference_sign_ms"] and figures["reference_verify_ms"]:
        figures["sign_ratio"] = round(figures["sign_ms"] / figures["reference_sign_ms"], 3)
        figures["verify_ratio"] = round(figures["verify_ms"] / figures["reference_verify_ms"], 3)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
