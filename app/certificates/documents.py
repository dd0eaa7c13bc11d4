"""Issued certificates as PDF files: rendered from the snapshot alone — one at a time (download,
mail attachment) or a cohort's in one ZIP."""
from __future__ import annotations

import zipfile

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.certificates.models import Certificate, CertificateAsset, CertificateStatus
from app.cohorts.models import Cohort, Enrolment
from app.extensions import db
from app.mail.services import AttachmentError

_ASSET_CACHE: dict[str, bytes] = {}  # content-addressed and immutable, so caching is always safe


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF, from its snapshot alone: the same bytes every time."""
    # imported here: reportlab, pikepdf and Pillow cost a web worker about 15 MiB, and most
    # workers never render a certificate (docs/performance.md, worker memory)
    from app.certificates.pdf.render import render_certificate

    return render_certificate(certificate.data, load_assets(_asset_digests(certificate.data)), certificate.seal,
                              designs_dir=current_app.config["CERTIFICATE_DESIGNS_DIR"])


def filename(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"


def _asset_digests(data: dict) -> set[str]:
    design = data.get("design")
    digests = {design.get("logo")} if isinstance(design, dict) else set()
    digests |= {s.get("signature") for s in data.get("signatories", [])}
    return {d for d in digests if d}


def load_assets(digests: set[str]) -> dict[str, bytes]:
    missing = [d for d in digests if d not in _ASSET_CACHE]
    if missing:
        for asset in db.session.scalars(select(CertificateAsset).where(CertificateAsset.sha256.in_(missing))):
            _ASSET_CACHE[asset.sha256] = asset.content  # a design's few images
    return {d: _ASSET_CACHE[d] for d in digests if d in _ASSET_CACHE}


def cohort_certificates(cohort: Cohort) -> list[Certificate]:
    """The cohort's valid certificates (current versions), by learner name."""
    certificates = db.session.scalars(
        select(Certificate).join(Enrolment).where(Enrolment.cohort_id == cohort.id, Certificate.status == CertificateStatus.VALID)
        .options(selectinload(Certificate.enrolment))
    ).all()
    return sorted(certificates, key=lambda c: (c.data["name"].casefold(), c.number))


def write_cohort_zip(certificates: list[Certificate], target, progress=None) -> int:
    """Writes one PDF per certificate into a ZIP (stored, not deflated: PDFs are compressed
    already), calling progress(written, all) when given; returns the number of files."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, certificate in enumerate(certificates, start=1):
            info = zipfile.ZipInfo(filename(certificate), date_time=certificate.issued_at.timetuple()[:6])
            archive.writestr(info, render_pdf(certificate))
            if progress is not None:
                progress(number, len(certificates))
    return len(certificates)


def certificate_attachment(reference: dict) -> tuple[str, str, bytes]:
    """The mail attachment renderer for {"kind": "certificate", "id": …} (registered in subscribers)."""
    certificate = db.session.get(Certificate, int(reference.get("id", 0)))
    if certificate is None:
        raise AttachmentError(f"certificate {reference.get('id')} not found")
    return filename(certificate), "application/pdf", render_pdf(certificate)
