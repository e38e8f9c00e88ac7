"""Seal certificates: the instance's own CA, a body's (non-qualified) seal, and imported ones.

Each instance makes its own certification authority and, per body, a P-256 seal certificate
that it issues, marked in its subject as not qualified: PDF readers show the seal as made by
that body, but trust it only once the instance's CA is trusted. eIDAS legal effect needs a
qualified e-seal certificate from a trust service provider: ``import_p12`` installs one, and it
becomes the body's active seal. Private keys are encrypted with SCEAU_MASTER_KEY.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
    pkcs12,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select, update

from core.db.models import Organization, SealCertificate
from core.db.models.document import SEAL, SEAL_CA
from core.deps import Deps
from core.errors import InputError
from core.keys.cipher import generate_p256

#: Said in the subject of every certificate this instance issues itself.
NOT_QUALIFIED = "Cachet non qualifié / non-qualified seal"
CA_YEARS = 20
SEAL_YEARS = 5

SealKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class OpenSeal:
    """A seal certificate opened for signing: its key, certificate and issuers' chain."""

    row_id: int
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key: SealKey
    qualified: bool


_cache: dict[tuple[int, bytes], OpenSeal] = {}
_cache_lock = threading.Lock()


def _pkcs8(key: SealKey) -> bytes:
    # Seal keys may be RSA (qualified certificates often are), unlike the credential keys.
    return key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())


def _aad(row: SealCertificate) -> bytes:
    # Binds the encrypted key to its certificate: a key moved to another row fails to open.
    return b"seal:" + x509.load_der_x509_certificate(row.certificate_der).fingerprint(
        hashes.SHA256()
    )


def _clip(text: str, limit: int = 64) -> str:
    # X.509 name attributes are limited to 64 characters, which cryptography counts in bytes.
    return text.encode()[:limit].decode(errors="ignore")


def _name(common_name: str, organization: str) -> x509.Name:
    # The unit says "not qualified" whatever the length of the body's name.
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, _clip(common_name)),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, NOT_QUALIFIED),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _clip(organization)),
        ]
    )


def _serial() -> int:
    return x509.random_serial_number()


def instance_ca(deps: Deps) -> SealCertificate:
    """The instance's own CA, made on first use (flush only)."""
    row = deps.session.scalars(
        select(SealCertificate).where(
            SealCertificate.organization_id.is_(None), SealCertificate.role == SEAL_CA
        )
    ).first()
    if row is not None:
        return row
    now = deps.clock.now()
    key = generate_p256()
    host = deps.settings.base_url.split("//", 1)[-1]
    name = _name(f"Sceau CA {host}", "Sceau")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return _save(deps, None, SEAL_CA, certificate, (), key, qualified=False)


def _save(
    deps: Deps,
    org_id: int | None,
    role: str,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    key: SealKey,
    *,
    qualified: bool,
) -> SealCertificate:
    row = SealCertificate(
        organization_id=org_id,
        role=role,
        subject=certificate.subject.rfc4514_string()[:500],
        certificate_der=certificate.public_bytes(Encoding.DER),
        chain_pem="".join(c.public_bytes(Encoding.PEM).decode() for c in chain),
        private_key_encrypted=b"",
        qualified=qualified,
        active=True,
        not_after=certificate.not_valid_after_utc,
        created_at=deps.clock.now(),
    )
    row.private_key_encrypted = deps.cipher.encrypt(_pkcs8(key), aad=_aad(row))
    deps.session.add(row)
    deps.session.flush()
    return row


def active_seal(deps: Deps, org: Organization) -> SealCertificate | None:
    """The body's active seal certificate row, if it has one (reads only)."""
    return deps.session.scalars(
        select(SealCertificate)
        .where(
            SealCertificate.organization_id == org.id,
            SealCertificate.role == SEAL,
            SealCertificate.active.is_(True),
        )
        .order_by(SealCertificate.id.desc())
    ).first()


def ensure_seal(deps: Deps, org: Organization) -> SealCertificate:
    """The body's active seal certificate; issues one from the instance CA if it has none, or
    if its own has expired (flush only)."""
    row = active_seal(deps, org)
    now = deps.clock.now()
    if row is not None and row.not_after > now + timedelta(days=1):
        return row
    ca_row = instance_ca(deps)
    ca = open_seal(deps, ca_row)
    key = generate_p256()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(org.name, org.legal_name or org.name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=365 * SEAL_YEARS), ca_row.not_after))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digitalSignature + nonRepudiation (contentCommitment): what a seal asserts.
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),  # type: ignore[arg-type]
            False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    _retire(deps, org)
    return _save(deps, org.id, SEAL, certificate, (ca.certificate,), key, qualified=False)


def _retire(deps: Deps, org: Organization) -> None:
    deps.session.execute(
        update(SealCertificate)
        .where(SealCertificate.organization_id == org.id, SealCertificate.role == SEAL)
        .values(active=False)
    )


def open_seal(deps: Deps, row: SealCertificate) -> OpenSeal:
    """Decrypt a seal certificate's key (cached per row and certificate)."""
    cache_key = (row.id, row.certificate_der)
    with _cache_lock:
        cached = _cache.get(cache_key)
    if cached is not None:
        return cached
    key = load_der_private_key(
        deps.cipher.decrypt(row.private_key_encrypted, aad=_aad(row)), password=None
    )
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InputError("a seal key must be an EC or RSA key")
    chain = tuple(x509.load_pem_x509_certificates(row.chain_pem.encode())) if row.chain_pem else ()
    opened = OpenSeal(
        row_id=row.id,
        certificate=x509.load_der_x509_certificate(row.certificate_der),
        chain=chain,
        key=key,
        qualified=row.qualified,
    )
    with _cache_lock:
        _cache[cache_key] = opened
    return opened


def import_p12(
    deps: Deps, org: Organization, data: bytes, password: bytes | None
) -> SealCertificate:
    """Install a seal certificate and key from a PKCS#12 file as the body's active seal.

    Refuses a file that does not open, holds no key or certificate, whose key does not match
    the certificate, whose certificate is expired or not yet valid, or that does not allow
    signatures (keyUsage digitalSignature or nonRepudiation).
    """
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as error:
        raise InputError(
            "the PKCS#12 file does not open (wrong password or not a PKCS#12 file)"
        ) from error
    if key is None or certificate is None:
        raise InputError("the PKCS#12 file must hold a private key and its certificate")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InputError("the seal key must be an EC (P-256) or RSA key")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
        raise InputError("the private key does not match the certificate")
    now = deps.clock.now()
    if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
        raise InputError("the certificate is not valid now")
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise InputError("the certificate does not allow signatures (keyUsage)")
    try:
        purposes = set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        purposes = set()
    # Document-signing purposes vary by provider; a list of purposes is refused only when it
    # clearly says TLS and nothing else.
    if purposes and purposes <= {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}:
        raise InputError("the certificate is for TLS, not for signing documents")
    _retire(deps, org)
    return _save(deps, org.id, SEAL, certificate, tuple(extra), key, qualified=True)
