"""A cohort's hand-ins of one assignment as one ZIP, also as a prepared download (app/exports):
a few uploaded files are copied in the request, a larger ZIP by a job, with progress per file."""
from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import User
from app.assignments import queries
from app.assignments.access import can_grade_cohort
from app.catalogue.models import Assignment
from app.cohorts.models import Cohort
from app.exports.services import Built, ExportError, Kind, register
from app.extensions import db
from app.files import get_store

KIND = "assignments.cohort_zip"


def zip_filename(cohort: Cohort, assignment: Assignment) -> str:
    return f"abgaben-{cohort.id}-{assignment.module.slug}-{assignment.slug}.zip"


def title(cohort: Cohort, assignment: Assignment) -> str:
    return _("Abgaben zur Aufgabe „%(assignment)s“ der Kohorte „%(cohort)s“ (ZIP)", assignment=assignment.title, cohort=cohort.name)


def _load(params: dict) -> tuple[Cohort | None, Assignment | None]:
    cohort = db.session.get(Cohort, params.get("cohort_id"))
    assignment = db.session.get(Assignment, params.get("assignment_id"))
    if cohort is None or assignment is None or assignment.module.course_id != cohort.course_id:
        return None, None
    return cohort, assignment


def may_download(user: User, params: dict) -> bool:
    """The page's own rule: whoever grades the cohort (its trainers, admins)."""
    cohort, assignment = _load(params)
    return cohort is not None and can_grade_cohort(user, cohort)


def build(user: User, params: dict, target, progress) -> Built:
    cohort, assignment = _load(params)
    if cohort is None:
        raise ExportError("gone")
    queries.write_cohort_submissions_zip(cohort, assignment, get_store(), target, progress)
    return Built(zip_filename(cohort, assignment), "application/zip")


def subscribe() -> None:
    register(Kind(KIND, build, may_download, unit="files", immediate_setting="EXPORT_IMMEDIATE_SUBMISSION_FILES"))
