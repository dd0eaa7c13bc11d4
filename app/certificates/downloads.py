"""A cohort's valid certificates as one ZIP, also as a prepared download (app/exports): a few
are rendered in the request, a large cohort's PDFs by a job, with progress per certificate."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from app.accounts.models import User
from app.certificates import access
from app.certificates.documents import cohort_certificates, write_cohort_zip
from app.cohorts.models import Cohort
from app.exports.services import Built, ExportError, Kind, register
from app.extensions import db

KIND = "certificates.cohort_zip"


def zip_filename(cohort: Cohort) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", cohort.name).strip("-") or f"kohorte-{cohort.id}"
    return f"zertifikate-{name}.zip"


def title(cohort: Cohort) -> str:
    return _("Zertifikate der Kohorte „%(name)s“ (ZIP)", name=cohort.name)


def may_download(user: User, params: dict) -> bool:
    cohort = db.session.get(Cohort, params.get("cohort_id"))
    return cohort is not None and access.can_download_cohort(user, cohort)


def build(user: User, params: dict, target, progress) -> Built:
    cohort = db.session.get(Cohort, params["cohort_id"])
    certificates = cohort_certificates(cohort) if cohort is not None else []
    if not certificates:
        raise ExportError("gone")
    write_cohort_zip(certificates, target, progress)
    return Built(zip_filename(cohort), "application/zip")


def subscribe() -> None:
    register(Kind(KIND, build, may_download, unit="certificates", immediate_setting="EXPORT_IMMEDIATE_CERTIFICATES"))
