"""A learner with something of everything: profile, quiz attempt, two handed-in versions with
files and gradings, a draft file, progress, a certificate, a reset token and an invitation."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.assignments.models import Decision, SubmissionFile
from app.catalogue.models import Assignment, Module

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40


@pytest.fixture(autouse=True)
def file_store(app, tmp_path, monkeypatch):
    folder = tmp_path / "files"
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(folder))
    monkeypatch.setitem(app.config, "TRAINER_NOTIFICATIONS", "immediate")
    return folder


def stored_files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@dataclass
class Rich:
    enrolment: object
    trainer: object
    files: dict  # filename → bytes

    @property
    def user(self):
        return self.enrolment.user


def complete_everything(db, enrolment) -> None:
    from app.progress.services import complete_item, required_items

    for module_id, items in sorted(required_items(enrolment.cohort.course).items()):
        module = db.session.get(Module, module_id)
        for item_type, item_id in sorted(items, key=lambda i: (i[0].value, i[1])):
            complete_item(enrolment, item_type, item_id, module)


def build_rich_learner(db, make, district_ags: str = "12054", name: str = "Petra Privat",
                       municipality: str = "Stadt Brandenburg") -> Rich:
    from app.accounts.services import request_password_reset, update_profile
    from app.assignments import services as assignments
    from app.files import get_store
    from app.catalogue.models import Quiz
    from app.quizzes.services import start_attempt, submit_attempt

    trainer = make.user("trainer", name="Tom Trainer")
    cohort = make.cohort(trainers=[trainer])
    user = make.user("learner", name=name)
    update_profile(user, name, municipality, district_ags, "Digitalisierung")
    enrolment = make.enrolment(user=user, cohort=cohort)

    quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == "01-grundlagen"))
    submit_attempt(start_attempt(enrolment, quiz), {})

    assignment = db.session.scalar(select(Assignment).join(Module).where(Assignment.slug == "reflexion"))
    assignment.settings = {**assignment.settings, "submission": "both", "file_types": ["pdf", "png"], "max_file_mb": 1}
    store = get_store()
    submission = assignments.get_or_create_submission(enrolment, assignment)
    assignments.save_draft(submission, f"Erste Fassung über unser Parkraumprojekt in {municipality}")
    assignments.add_draft_file(submission, assignments.Upload("bericht.pdf", io.BytesIO(PDF)), store)
    first = assignments.hand_in(submission)
    assignments.grade_submission(submission, first, trainer, {"c1": 0}, Decision.REVISION_REQUESTED,
                                 f"Bitte den Bezug zu {municipality} ergänzen.", submission.lock_version)
    assignments.save_draft(submission, f"Zweite Fassung mit Bezug zur {municipality}")
    assignments.add_draft_file(submission, assignments.Upload("plan.png", io.BytesIO(PNG)), store)
    second = assignments.hand_in(submission)
    assignments.grade_submission(submission, second, trainer, {"c1": 1}, Decision.PASSED, "Sehr gut.", submission.lock_version)
    complete_everything(db, enrolment)
    request_password_reset(user.email)
    from app.directory.services import publish_entry
    from app.discussions.services import reply, start_thread

    thread = start_thread(cohort, db.session.scalar(select(Module).where(Module.slug == "01-grundlagen")), user,
                          "Frage zu offenen Daten", "Wie fangen wir mit offenen Daten an?")
    reply(thread, trainer, f"Gute Frage, {name}! Beginnen Sie mit dem Haushalt.")
    publish_entry(user, consent=True, name=name, municipality=municipality, district_ags=district_ags, position="Digitalisierung",
                  topics="Open Data", contact_email=f"kontakt.{enrolment.id}@kommune.example")
    from app.cohorts.models import Invitation
    from app.db import utcnow

    db.session.add(Invitation(enrolment=enrolment, token_hash=f"{enrolment.id:064d}", expires_at=utcnow() + days(14), used_at=utcnow()))
    db.session.flush()
    return Rich(enrolment=enrolment, trainer=trainer, files={"bericht.pdf": PDF, "plan.png": PNG})


@pytest.fixture()
def rich(db, make) -> Rich:
    return build_rich_learner(db, make)


def file_rows(db, enrolment) -> list:
    from app.assignments.models import Submission

    return db.session.scalars(
        select(SubmissionFile).join(Submission).where(Submission.enrolment_id == enrolment.id).order_by(SubmissionFile.id)
    ).all()


def days(n: int) -> timedelta:
    return timedelta(days=n)
