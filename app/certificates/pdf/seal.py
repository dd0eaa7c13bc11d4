"""Where the signed certificate data travel inside the PDF: custom entries of the document
information dictionary (PDF/A-2 allows them, whereas embedded non-PDF/A files are forbidden).
Written at render time, read back by the offline check."""
from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from app.certificates.signing import canonical

PAYLOAD_KEY, SIGNATURE_KEY, SIGNER_KEY = "/CertificateData", "/CertificateSignature", "/CertificateSigningKey"


def seal_entries(data: dict, seal: dict | None) -> dict | None:
    if not seal:
        return None
    return {PAYLOAD_KEY: canonical(data).decode("ascii"), SIGNATURE_KEY: seal["signature"], SIGNER_KEY: seal["key_id"]}


def read_seal(pdf: bytes | Path) -> tuple[bytes | None, str | None, str | None]:
    """(signed data, signature, key id) as embedded by `render_certificate`, or Nones."""
    source = pdf if isinstance(pdf, Path) else io.BytesIO(pdf)
    with pikepdf.open(source) as document:
        info = document.docinfo

        def get(key):
            value = info.get(key)
            return str(value) if value is not None else None

        payload = get(PAYLOAD_KEY)
        return (payload.encode("utf-8") if payload is not None else None), get(SIGNATURE_KEY), get(SIGNER_KEY)
