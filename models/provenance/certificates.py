"""The lab's signing identity for Content Credentials: a lab CA and an ES256 signing certificate it issued.

Made with `cryptography` into a directory on first use (the portal's instance/c2pa unless configured); a lab that
has its own certificate gives its paths instead. C2PA validators insist on KeyUsage digitalSignature, an
ExtendedKeyUsage (emailProtection), SubjectKeyIdentifier and AuthorityKeyIdentifier on the signing certificate.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

CA_CERT, SIGNER_CERT, SIGNER_KEY = "lab-ca.pem", "signer-chain.pem", "signer-key.pem"
ORGANISATION = "Deepfake Lab Portal"
VALID_DAYS = 3650


class CertificateError(Exception):
    """The lab's signing certificate or key could not be read or made."""


@dataclass(frozen=True)
class SigningIdentity:
    """PEM bytes: the signing certificate followed by its CA (the chain), its private key, the trust anchors."""

    chain: bytes
    key: bytes
    anchors: bytes


def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, issuer_key, *, ca: bool, issuer_public=None):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)
    usage = dict.fromkeys(("content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
                           "encipher_only", "decipher_only"), False)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, key_cert_sign=ca, crl_sign=ca, **usage),
                              critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public or public_key),
                              critical=False))
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_identity() -> SigningIdentity:
    """A fresh lab CA (P-256) and an ES256 signing certificate issued by it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{ORGANISATION} CA")
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    cert = _certificate(_name(f"{ORGANISATION} signing"), ca_name, key.public_key(), ca_key, ca=False,
                        issuer_public=ca_key.public_key())
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ca_pem = ca.public_bytes(pem)
    return SigningIdentity(cert.public_bytes(pem) + ca_pem, key_pem, ca_pem)


def _write(directory: Path, identity: SigningIdentity) -> None:
    """Write the three files into a fresh sibling folder, then rename it into place (two workers may race)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=directory.parent))
    for name, data in ((CA_CERT, identity.anchors), (SIGNER_CERT, identity.chain), (SIGNER_KEY, identity.key)):
        (staging / name).write_bytes(data)
    (staging / SIGNER_KEY).chmod(0o600)
    try:
        os.rename(staging, directory)
    except OSError:  # another process made it first: use theirs
        for child in staging.iterdir():
            child.unlink()
        staging.rmdir()


def lab_identity(directory: Path) -> SigningIdentity:
    """The identity kept in `directory`, made there on first use."""
    directory = Path(directory)
    if not (directory / SIGNER_KEY).exists():
        _write(directory, make_identity())
    return load_identity(directory / SIGNER_CERT, directory / SIGNER_KEY, directory / CA_CERT)


def load_identity(chain: Path, key: Path, anchors: Optional[Path] = None) -> SigningIdentity:
    """An identity from PEM files (the lab's own certificate chain, key and the CA to trust)."""
    try:
        return SigningIdentity(Path(chain).read_bytes(), Path(key).read_bytes(),
                               Path(anchors).read_bytes() if anchors else b"")
    except OSError as exc:
        raise CertificateError(f"The C2PA signing certificate or key could not be read: {exc}.") from exc


def from_settings(settings) -> SigningIdentity:
    """The lab's own certificate when C2PA_SIGNING_CERT and C2PA_SIGNING_KEY are set, else the one in C2PA_CERT_DIR."""
    if settings.get("C2PA_SIGNING_CERT") and settings.get("C2PA_SIGNING_KEY"):
        return load_identity(settings["C2PA_SIGNING_CERT"], settings["C2PA_SIGNING_KEY"],
                             settings.get("C2PA_TRUST_ANCHORS") or None)
    if not settings.get("C2PA_CERT_DIR"):
        raise CertificateError("No C2PA certificate is configured: set C2PA_CERT_DIR or C2PA_SIGNING_CERT and _KEY.")
    return lab_identity(Path(settings["C2PA_CERT_DIR"]))
