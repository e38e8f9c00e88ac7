"""Helpers shared by several test modules: TLS certificate, golden files, the security corpus."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from core.credentials.builder import Recipient, Result, achievement_document, build_credential

GOLDEN_DIR = Path(__file__).resolve().parent / "vectors" / "golden"


def self_signed_certificate(
    key: Any, name: x509.Name, *extensions: tuple[x509.ExtensionType, bool], days: int = 30
) -> x509.Certificate:
    """A certificate ``key`` signs for itself, valid from a day ago for ``days`` days, with
    ``(extension, critical)`` pairs."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    return builder.sign(key, hashes.SHA256())


def self_signed_tls(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for "localhost", valid one day either side of now."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_signed_certificate(
        key,
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
        (x509.SubjectAlternativeName([x509.DNSName("localhost")]), False),
        (x509.BasicConstraints(ca=True, path_length=None), True),
        days=1,
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def load_golden_module() -> ModuleType:
    """tests/vectors/golden/make_golden.py as a module (its keys, clock and builders)."""
    spec = importlib.util.spec_from_file_location("sceau_golden", GOLDEN_DIR / "make_golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the security corpus (tests/vectors/security): one smuggling or forgery case a file -----

SECURITY_DIR = Path(__file__).resolve().parent / "vectors" / "security"


def security_cases() -> list[tuple[str, dict[str, Any]]]:
    """(name, case) for every file of the corpus, sorted by name."""
    return [(p.stem, json.loads(p.read_text("utf-8"))) for p in sorted(SECURITY_DIR.glob("*.json"))]


def base_credential(issuer_did: str, issuer_name: str) -> dict[str, Any]:
    """The unsigned credential the corpus cases patch: an OB 3.0 credential of ``issuer_did``."""
    definition = {
        "name": "Welding, level 1",
        "description": "Arc welding.",
        "criteria": "Pass the practical exam (12/20 or more).",
        "achievementType": "Certification",
    }
    return build_credential(
        credential_url="urn:uuid:3f0c1e9a-5b7d-4c2e-9a8f-0d6e4b1c2a77",
        issuer={"id": issuer_did, "type": ["Profile"], "name": issuer_name},
        achievement=achievement_document(
            "urn:uuid:7b0a4b8e-0000-4000-8000-0000000000bb", definition
        ),
        recipient=Recipient("ada@example.org", "Ada Lovelace"),
        valid_from=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        valid_until=None,
        awarded=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        results=[Result("Practical exam", "15", value_max="20")],
        salt="0123456789abcdef",
    )


def apply_patch(document: dict[str, Any], operations: list[list[Any]]) -> dict[str, Any]:
    """A copy of ``document`` with ``[op, JSON pointer, value]`` operations (add, remove) applied;
    "add" sets a key or, with a last segment "-", appends to an array."""
    result = copy.deepcopy(document)
    for operation in operations:
        op, pointer = operation[0], operation[1]
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
        target: Any = result
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if op == "remove":
            del target[int(last) if isinstance(target, list) else last]
        elif isinstance(target, list) and last == "-":
            target.append(copy.deepcopy(operation[2]))
        elif isinstance(target, list):
            target[int(last)] = copy.deepcopy(operation[2])
        else:
            target[last] = copy.deepcopy(operation[2])
    return result


def sign_loosely(
    unsigned: dict[str, Any], key: Ed25519PrivateKey, verification_method: str
) -> dict[str, Any]:
    """eddsa-rdfc-2022 over NON-strict JSON-LD, as a careless issuer would sign: whatever
    JSON-LD processing drops is left outside the signature (make_golden.py's signer)."""
    signed: dict[str, Any] = _golden().sign_loosely(unsigned, key, verification_method)
    return signed


@functools.cache
def _golden() -> ModuleType:
    return load_golden_module()
