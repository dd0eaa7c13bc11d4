"""What an issued certificate states: the snapshot copied into `Certificate.data` at issue.

Everything a certificate states (course content, design texts and colours, the hashes of its
images, issuer and signatories) is copied here, so that rendering and verifying later read only
the snapshot, whatever happens to the course or the design afterwards."""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.certificates.designs import add_asset, design_snapshot
from app.certificates.models import CertificateAsset
from app.certificates.verification import verification_url
from app.cohorts.models import Enrolment
from app.db import add_unless_duplicate
from app.extensions import db

log = logging.getLogger(__name__)


def snapshot(enrolment: Enrolment, number: str, code: str, issued_on: date, expires_on: date | None) -> tuple[dict, dict[str, bytes]]:
    """What the certificate states, and the images it needs (SHA-256 → bytes)."""
    course = enrolment.cohort.course
    settings = course.certificate or {}
    kind = settings.get("kind", "zertifikat")
    designs_dir = current_app.config["CERTIFICATE_DESIGNS_DIR"]
    design, assets = design_snapshot(designs_dir, settings.get("design", ""))
    data = {
        "name": enrolment.user.name,
        "course_slug": course.slug,
        "course_title": course.title,
        "course_version": course.version,
        "hours": float(course.hours),
        "modules": [
            {"title": m.title, "hours": float(m.hours), "objectives": list(m.objectives)} for m in course.active_modules
        ],
        "kind": kind,
        "assessment": _assessment(course, kind),
        "design": design,
        "issuer": current_app.config["CERTIFICATE_ISSUER"],
        "issuer_country": current_app.config["CERTIFICATE_ISSUER_COUNTRY"],
        "signatories": _signatories(Path(designs_dir) / design["name"], assets),
        "participation": "online",
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "number": number,
        "verify_url": verification_url(code),
        "cohort": enrolment.cohort.name,
    }
    return data, assets


def _assessment(course, kind: str) -> dict:
    """The assessment forms, from the course's completion rules and items (structured, so the
    design's texts in both languages can state them)."""
    none = {"quizzes_pass_mark": None, "assignments": False, "final_project": False, "trainer_approval": False}  # nosec B105 - assessment settings, not a password
    if kind != "zertifikat":
        return none
    rules = course.completion or {}
    modules = course.active_modules
    pass_marks = [q.pass_mark for m in modules for q in m.quizzes if q.archived_at is None]
    assignments = [(m, a) for m in modules for a in m.assignments if a.archived_at is None and a.settings.get("required", True)]
    graded = rules.get("assignments", "all") == "all"
    return {
        "quizzes_pass_mark": min(pass_marks) if pass_marks and rules.get("quizzes", "all") == "all" else None,
        "assignments": graded and any(not m.final_project for m, _a in assignments),
        "final_project": graded and any(m.final_project for m, _a in assignments),
        "trainer_approval": bool(rules.get("trainer_approval")),
    }


def _signatories(design_folder: Path, assets: dict[str, bytes]) -> list[dict]:
    """From CERTIFICATE_SIGNATORIES: "Name|Rolle|Unterschrift.png;…" (image optional, in the design folder)."""
    raw = current_app.config.get("CERTIFICATE_SIGNATORIES") or ""
    result = []
    for entry in raw.split(";"):
        name, role, image = (entry.split("|") + ["", ""])[:3]
        if not name.strip():
            continue
        signature = None
        if image.strip():
            path = design_folder / image.strip()
            if path.is_file():
                signature = add_asset(assets, path)
            else:
                log.warning("signature image %s not found", path)
        result.append({"name": name.strip(), "role": role.strip(), "signature": signature})
    return result


def store_assets(assets: dict[str, bytes]) -> None:
    """Stores the snapshot's images that are not stored yet (content-addressed: SHA-256 → bytes)."""
    existing = set(db.session.scalars(select(CertificateAsset.sha256).where(CertificateAsset.sha256.in_(list(assets)))))
    for digest, content in assets.items():
        if digest not in existing:  # a refused duplicate was stored concurrently by another issuer: the same bytes
            add_unless_duplicate(CertificateAsset(sha256=digest, media_type="image/png", content=content))
