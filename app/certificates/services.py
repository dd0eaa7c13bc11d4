"""Deciding and issuing certificates. Issued certificates are immutable snapshots."""
from __future__ import annotations

import secrets
from datetime import date

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.certificates.eligibility import is_eligible
from app.certificates.models import Certificate, CertificateCounter
from app.cohorts.models import Enrolment
from app.db import utcnow
from app.extensions import db
from app.mail.services import queue_mail
from app.progress.models import ItemType
from app.progress.services import done_items, required_items


def _next_number(prefix: str, year: int) -> int:
    """The next sequential number for prefix and year; concurrent issuers never get the same one."""
    for _attempt in range(5):
        number = db.session.execute(
            update(CertificateCounter)
            .where(CertificateCounter.prefix == prefix, CertificateCounter.year == year)
            .values(last_number=CertificateCounter.last_number + 1)
            .returning(CertificateCounter.last_number)
        ).scalar()
        if number is not None:
            return number
        try:
            with db.session.begin_nested():
                db.session.add(CertificateCounter(prefix=prefix, year=year, last_number=1))
            return 1
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a certificate number")


def verification_url(code: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def snapshot(enrolment: Enrolment, number: str, code: str, issued_on: date, expires_on: date | None) -> dict:
    course = enrolment.cohort.course
    settings = course.certificate or {}
    return {
        "name": enrolment.user.name,
        "course_slug": course.slug,
        "course_title": course.title,
        "course_version": course.version,
        "hours": course.hours,
        "modules": [
            {"title": m.title, "hours": m.hours, "objectives": list(m.objectives)}
            for m in course.modules if m.archived_at is None
        ],
        "kind": settings.get("kind", "zertifikat"),
        "design": settings.get("design", ""),
        "issuer": current_app.config["CERTIFICATE_ISSUER"],
        "issuer_country": current_app.config["CERTIFICATE_ISSUER_COUNTRY"],
        "signatories": _signatories(),
        "participation": "online",
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "number": number,
        "verify_url": verification_url(code),
        "cohort": enrolment.cohort.name,
    }


def _signatories() -> list[dict]:
    raw = current_app.config.get("CERTIFICATE_SIGNATORIES") or ""
    result = []
    for entry in raw.split(";"):
        name, _sep, role = entry.partition("|")
        if name.strip():
            result.append({"name": name.strip(), "role": role.strip()})
    return result


def existing_certificate(enrolment: Enrolment) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id).order_by(Certificate.version.desc()).limit(1)
    )


def issue_if_eligible(enrolment: Enrolment) -> Certificate | None:
    """Issues the enrolment's certificate in the current transaction, exactly once."""
    existing = existing_certificate(enrolment)
    if existing is not None:
        return existing
    course = enrolment.cohort.course
    required = set().union(*required_items(course).values())
    done = done_items(enrolment.id)
    course_complete = (ItemType.COURSE, course.id) in done
    if not is_eligible(required, done, course_complete, course.completion or {}):
        return None
    return issue_certificate(enrolment)


def issue_certificate(enrolment: Enrolment, version: int = 1) -> Certificate:
    course = enrolment.cohort.course
    settings = course.certificate or {}
    issued_at = utcnow()
    issued_on = issued_at.date()
    prefix = settings.get("prefix", "CERT")
    number = f"{prefix}-{issued_on.year}-{_next_number(prefix, issued_on.year):05d}"
    code = secrets.token_urlsafe(18)
    years = settings.get("validity_years")
    expires_on = _add_years(issued_on, years) if years else None
    certificate = Certificate(
        enrolment_id=enrolment.id, version=version, number=number, code=code, kind=settings.get("kind", "zertifikat"),
        issued_at=issued_at, expires_on=expires_on, data=snapshot(enrolment, number, code, issued_on, expires_on),
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:  # issued concurrently by another request: that one stands
        return existing_certificate(enrolment)
    user = enrolment.user
    with force_locale(user.locale or "de"):
        subject = _("Ihr Zertifikat „%(course)s“", course=course.title)
        body = render_template("mail/certificate_issued.txt", user=user, certificate=certificate, course=course)
    queue_mail(user.email, subject, body)
    return certificate


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def verification_status(certificate: Certificate, today: date | None = None) -> str:
    """valid | revoked | superseded | expired"""
    today = today or utcnow().date()
    if certificate.status.value != "valid":
        return certificate.status.value
    if certificate.expires_on and certificate.expires_on < today:
        return "expired"
    return "valid"
