"""`sceau seal import`: a qualified e-seal certificate from a PKCS#12 file seals the next PDFs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
from cryptography.hazmat.primitives.serialization.pkcs12 import serialize_key_and_certificates
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from documents_support import check_seal


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class TrustServiceProvider:
    """A CA standing for a qualified trust service provider, issuing e-seal certificates."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name("Test QTSP CA"))
            .issuer_name(_name("Test QTSP CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def seal_p12(
        self,
        cn: str = "Acme Certification (qualified seal)",
        *,
        password: bytes | None = b"s3cret",
        days: tuple[int, int] = (-1, 700),
        purposes: list[Any] | None = None,
        rsa_key: bool = False,
    ) -> bytes:
        subject_key: Any = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if rsa_key
            else ec.generate_private_key(ec.SECP256R1())
        )
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(self.certificate.subject)
            .public_key(subject_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days[0]))
            .not_valid_after(now + timedelta(days=days[1]))
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
        )
        if purposes:
            builder = builder.add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        encryption = (
            BestAvailableEncryption(password) if password else pkcs12.NoEncryption()  # type: ignore[attr-defined]
        )
        return serialize_key_and_certificates(
            b"seal", subject_key, certificate, [self.certificate], encryption
        )


@pytest.fixture
def tsp() -> TrustServiceProvider:
    return TrustServiceProvider()


def _import(sceau: Any, monkeypatch: Any, tmp_path: Any, data: bytes, password: str) -> Any:
    path = tmp_path / "seal.p12"
    path.write_bytes(data)
    monkeypatch.setenv("SCEAU_P12_PASSWORD", password)
    return sceau("seal", "import", "--org", "acme", "--p12", str(path))


@pytest.mark.parametrize("rsa_key", [False, True], ids=["p256", "rsa"])
def test_an_imported_seal_certificate_seals_the_next_certificates(
    sceau, monkeypatch, tmp_path, tsp, acme, issue, ada_request, client, rsa_key
) -> None:
    result = _import(sceau, monkeypatch, tmp_path, tsp.seal_p12(rsa_key=rsa_key), "s3cret")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["qualified"] is True and "qualified seal" in shown["subject"]
    uuid = issue(acme, ada_request)["id"].rsplit("/", 1)[1]
    pdf = client.get(f"/c/{uuid}.pdf").data
    root = asn1_x509.Certificate.load(tsp.certificate.public_bytes(Encoding.DER))
    seal = check_seal(pdf, root)
    assert (seal.intact, seal.valid, seal.trusted) == (True, True, True)
    assert "qualified seal" in seal.signer_subject and "non qualifié" not in seal.signer_subject
    assert json.loads(sceau("seal", "show", "--org", "acme").output)["sha256"] == shown["sha256"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong password", "does not open"),
        ("not a p12", "does not open"),
        ("expired", "not valid now"),
        ("tls only", "for TLS"),
    ],
)
def test_a_bad_pkcs12_file_is_refused_and_the_seal_is_unchanged(
    sceau, monkeypatch, tmp_path, tsp, acme, case, message
) -> None:
    before = json.loads(sceau("seal", "show", "--org", "acme").output)
    password = "s3cret"
    if case == "wrong password":
        data, password = tsp.seal_p12(), "guess"
    elif case == "not a p12":
        data = b"-----BEGIN CERTIFICATE-----\nnope\n"
    elif case == "expired":
        data = tsp.seal_p12(days=(-30, -1))
    else:
        data = tsp.seal_p12(purposes=[ExtendedKeyUsageOID.SERVER_AUTH])
    result = _import(sceau, monkeypatch, tmp_path, data, password)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "s3cret" not in result.output
    assert json.loads(sceau("seal", "show", "--org", "acme").output) == before


def test_seal_ca_prints_the_trust_anchor_of_the_default_seals(sceau, acme) -> None:
    pem = sceau("seal", "ca").output
    ca = x509.load_pem_x509_certificate(pem.encode())
    shown = json.loads(sceau("seal", "show", "--org", "acme").output)
    assert shown["qualified"] is False and shown["issuer"] == ca.subject.rfc4514_string()
    assert "non-qualified seal" in shown["subject"]
