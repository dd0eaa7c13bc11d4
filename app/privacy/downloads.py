"""The learner's data export (DSGVO Art. 15 and 20) as a prepared download (app/exports): a
person with many uploads gets a status page and the ZIP when it is ready, instead of a request
that copies every file while they wait."""
from __future__ import annotations

from sqlalchemy import func, select

from app import clock
from app.accounts.models import User
from app.assignments.models import Submission, SubmissionFile
from app.audit import services as audit
from app.cohorts.models import Enrolment
from app.exports.services import Built, Kind, register
from app.extensions import db
from app.files import get_store
from app.privacy import export

KIND = "privacy.data_export"


def file_total(user: User) -> int:
    """The number of uploaded files the ZIP will hold (the choice: at once or in the background)."""
    return db.session.scalar(
        select(func.count(SubmissionFile.id)).join(Submission, SubmissionFile.submission_id == Submission.id)
        .join(Enrolment, Submission.enrolment_id == Enrolment.id).where(Enrolment.user_id == user.id)) or 0


def may_download(user: User, params: dict) -> bool:
    return True  # one's own data; app.exports lets nobody but the person who asked have it


def build(user: User, params: dict, target, progress) -> Built:
    document = export.collect(user)
    db.session.commit()  # nothing written yet: ends the reading transaction before the files are copied
    export.write_zip(document, get_store(), target, progress)
    audit.record("data_exported", actor=user, obj=user, files=sum(
        len(s["draft_files"]) + sum(len(v["files"]) for v in s["versions"]) for s in document["submissions"]))
    return Built(f"meine-daten-{clock.today().isoformat()}.zip", "application/zip")


def subscribe() -> None:
    register(Kind(KIND, build, may_download, unit="files", immediate_setting="EXPORT_IMMEDIATE_FILES"))
