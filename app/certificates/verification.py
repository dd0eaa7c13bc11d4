"""How an issued certificate is checked: the verification URL printed on it, the status its
verification page shows, and the offline check of a PDF's seal against the known keys."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from app import clock
from app.certificates import signing
from app.certificates.keys import known_public_keys
from app.certificates.models import Certificate
from app.links import site_url


def verification_url(code: str) -> str:
    """The address printed on the certificate and in its QR code: fixed, whatever the routes do."""
    return site_url(f"/verify/{code}")


def verification_status(certificate: Certificate, today: date | None = None) -> str:
    """valid | revoked | superseded | expired"""
    today = today or clock.today()  # expiry dates are German calendar days
    if certificate.status.value != "valid":
        return certificate.status.value
    if certificate.expires_on and certificate.expires_on < today:
        return "expired"
    return "valid"


def check_pdf(pdf: bytes | Path) -> signing.Check:
    """Checks a certificate PDF offline: valid, tampered, unknown key or unsigned."""
    from app.certificates.pdf.seal import read_seal

    try:
        message, signature, signer = read_seal(pdf)
    except Exception:  # not a PDF at all (pikepdf raises its own errors)
        return signing.Check(signing.UNSIGNED)
    return signing.check(message, signature, signer, known_public_keys())
