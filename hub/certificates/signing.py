"""The hub's signing key and self-signed certificate, PAdES signing of certificates and checking of uploads.

Level: PAdES baseline B-B (ETSI EN 319 142-1): a CAdES detached signature (ETSI.CAdES.detached) with
the signing-certificate-v2 attribute, SHA-256, over the whole file as issued. B-T would add an RFC 3161
time-stamp from a trusted time-stamp authority and B-LT the revocation data; the reference hub has
neither a TSA nor a CA to ask, and the check page answers from the hub's own record of issue time
and revocation, so B-B is what can honestly be claimed here. A province that signs with a CA-issued
certificate and a TSA gets B-T by adding a pyHanko time-stamper to ``sign``.

The key is ECDSA P-256 in one PEM file (key and certificate) under the data dir, mode 0600, made
on first use or by ``kioskhub certificates init-key``. Every hub node must hold the same file,
as with ``hub-secret``. It is a test key: its subject says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hub.auth import secret_file

KEY_FILE = "hub-signing.pem"
SUBJECT_CN = "kioskhub 证明签名（自签名测试证书）"
FIELD = "HubSignature"


def key_path(key_dir: Path) -> Path:
    return key_dir / KEY_FILE


# digitalSignature and nonRepudiation (content commitment): what a document signer's key may do, nothing more
_SIGNING_ONLY = x509.KeyUsage(
    digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
)


def new_key_pem(organisation: str, now: dt.datetime, years: int = 10) -> str:
    """A fresh ECDSA P-256 key and its self-signed certificate, as one PEM text (key first)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SUBJECT_CN),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_SIGNING_ONLY, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (key_pem + cert.public_bytes(serialization.Encoding.PEM)).decode()


@dataclass(frozen=True)
class SignatureCheck:
    """What the signature of an uploaded file says, in the check page's terms."""

    signed: bool  # a signature field with a signature in it
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # made with this hub's key
    whole_file: bool  # nothing was added after signing
    signer_sha256: str | None

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


class HubSigner:
    """Signs with the hub's key; checks signatures against the hub's certificate."""

    def __init__(self, pem_text: str) -> None:
        key_der = cert_der = None
        for kind, _headers, der in pem.unarmor(pem_text.encode(), multiple=True):
            if kind == "PRIVATE KEY":
                key_der = der
            elif kind == "CERTIFICATE":
                cert_der = der
        if key_der is None or cert_der is None:
            raise ValueError("the signing file must hold a PRIVATE KEY and a CERTIFICATE")
        self.certificate = asn1_x509.Certificate.load(cert_der)
        self.certificate_pem = pem.armor("CERTIFICATE", cert_der).decode()
        self.fingerprint = hashlib.sha256(cert_der).hexdigest()
        self._signer = signers.SimpleSigner(
            signing_cert=self.certificate,
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([self.certificate]),
        )

    @classmethod
    def load_or_create(cls, key_dir: Path, organisation: str, now: dt.datetime) -> HubSigner:
        """The hub's signer, making its key (mode 0600) on first use; several processes may race safely."""
        path = key_path(key_dir)
        try:
            return cls(secret_file(path, lambda: new_key_pem(organisation, now)))
        except ValueError as exc:
            raise ValueError(
                f"{path}: {exc}; move it aside to make a new key (older papers then fail to check)"
            ) from None

    def sign(self, pdf: bytes, reason: str, location: str) -> bytes:
        """``pdf`` signed PAdES B-B, as a new revision of the same file."""
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason, location=location,
        )  # fmt: skip
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signers.sign_pdf(writer, meta, signer=self._signer).getvalue()

    def check(self, pdf: bytes) -> SignatureCheck:
        """Validate the first signature of ``pdf`` against the hub's certificate (no network: fetching is off)."""
        nothing = SignatureCheck(False, False, False, False, None)
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            signatures = reader.embedded_signatures
        except Exception:  # any parse failure of an uploaded file means "not our PDF"
            return nothing
        if not signatures:
            return nothing
        sig = signatures[0]
        context = ValidationContext(trust_roots=[self.certificate], allow_fetching=False)
        try:
            status = validate_pdf_signature(sig, context)
        except (SigningError, ValueError, KeyError, TypeError):
            return SignatureCheck(True, False, False, False, None)
        signer = hashlib.sha256(status.signing_cert.dump()).hexdigest() if status.signing_cert else None
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        return SignatureCheck(True, bool(status.intact and status.valid), bool(status.trusted), whole, signer)
