"""The trainer's approval that a course with `completion.trainer_approval` asks for: given once
every other requirement is met, at most once, and it issues the certificate in the same
transaction. The pages are tested in tests/cohorts/test_approval.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.certificates.models import Certificate, CompletionApproval
from app.certificates.queries import awaiting_approval
from app.certificates.services import approve_completion, issue_if_eligible
from app.cohorts.models import EnrolmentStatus
from app.errors import DomainError, NotAllowed
from app.mail.models import OutgoingMail
from tests.certificates.conftest import ask_for_approval, complete_course, complete_first_module


@pytest.fixture()
def approval_course(db, make):
    course = make.course()
    ask_for_approval(db, course)
    return course


@pytest.fixture()
def trainer(make):
    return make.user("trainer", name="Tina Trainerin")


@pytest.fixture()
def finished(db, make, approval_course, trainer):
    """A learner who has done everything the course asks for but the approval."""
    enrolment = make.enrolment(user=make.user("learner", name="Lea Lernt"), cohort=make.cohort(course=approval_course, trainers=[trainer]))
    complete_course(db, enrolment)
    db.session.flush()
    return enrolment


def certificates_of(db, enrolment) -> list[Certificate]:
    return db.session.scalars(select(Certificate).where(Certificate.enrolment_id == enrolment.id)).all()


def test_finishing_a_course_that_needs_approval_issues_nothing_and_waits(db, finished):
    assert finished.status == EnrolmentStatus.COMPLETED
    assert certificates_of(db, finished) == []
    assert issue_if_eligible(finished) is None
    assert awaiting_approval([finished]) == {finished.id}


def test_approval_records_who_when_and_why_and_issues_the_certificate_once(db, app, finished, trainer):
    with app.test_request_context():
        certificate = approve_completion(finished, trainer, "  Abschlussgespräch am 3. März geführt.  ")
    approval = db.session.get(CompletionApproval, finished.id)
    assert approval.approved_by_id == trainer.id and approval.approved_at is not None
    assert approval.note == "Abschlussgespräch am 3. März geführt."
    assert certificates_of(db, finished) == [certificate]
    assert certificate.data["assessment"]["trainer_approval"] is True
    assert awaiting_approval([finished]) == set()

    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "completion_approved")).all()
    assert event.actor_id == trainer.id and event.object_id == str(finished.id)
    assert event.detail == {"cohort": finished.cohort_id, "with_note": True}
    [mail] = db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == finished.user.email)).all()
    assert "Zertifikat" in mail.subject and mail.attachments == [{"kind": "certificate", "id": certificate.id}]

    with pytest.raises(DomainError, match="bereits freigegeben"), app.test_request_context():
        approve_completion(finished, trainer)
    complete_course(db, finished)  # anything later that asks again finds the one certificate
    assert issue_if_eligible(finished).id == certificate.id
    assert len(certificates_of(db, finished)) == 1


def test_an_empty_note_is_stored_as_none(db, app, finished, make):
    admin = make.user("admin")
    with app.test_request_context():
        approve_completion(finished, admin, "   ")
    approval = db.session.get(CompletionApproval, finished.id)
    assert approval.note is None and approval.approved_by_id == admin.id


def test_approval_before_the_requirements_are_met_is_refused(db, app, make, approval_course, trainer):
    enrolment = make.enrolment(cohort=make.cohort(course=approval_course, trainers=[trainer]))
    complete_first_module(db, enrolment)
    assert awaiting_approval([enrolment]) == set()
    with pytest.raises(DomainError, match="Noch nicht alle Anforderungen"), app.test_request_context():
        approve_completion(enrolment, trainer)
    assert db.session.get(CompletionApproval, enrolment.id) is None
    assert certificates_of(db, enrolment) == []


def test_a_course_without_approval_refuses_it(db, app, graduate):
    trainer = graduate.cohort.trainers[0]
    with pytest.raises(DomainError, match="braucht keine Freigabe"), app.test_request_context():
        approve_completion(graduate, trainer)
    assert db.session.get(CompletionApproval, graduate.id) is None


def test_a_certificate_issued_before_the_course_asked_for_approval_is_not_approved_again(db, app, graduate, approval_course):
    with pytest.raises(DomainError, match="bereits ein Zertifikat"), app.test_request_context():
        approve_completion(graduate, graduate.cohort.trainers[0])


def test_only_the_cohorts_trainers_and_admins_may_approve(db, app, make, finished):
    for outsider in (make.user("trainer"), make.user("learner"), make.user("agency"), finished.user):
        with pytest.raises(NotAllowed), app.test_request_context():
            approve_completion(finished, outsider)
    assert db.session.get(CompletionApproval, finished.id) is None


def test_a_withdrawn_enrolment_is_not_approved(db, app, finished, trainer):
    finished.status = EnrolmentStatus.WITHDRAWN
    db.session.flush()
    assert awaiting_approval([finished]) == set()
    with pytest.raises(DomainError, match="zurückgezogen"), app.test_request_context():
        approve_completion(finished, trainer)


def test_an_overlong_note_is_refused(db, app, finished, trainer):
    with pytest.raises(DomainError, match="zu lang"), app.test_request_context():
        approve_completion(finished, trainer, "x" * 1001)


def test_approval_waits_for_the_minimum_attendance(db, app, finished, trainer, approval_course):
    """Attendance is one of the other requirements: below the minimum there is nothing to approve."""
    from datetime import timedelta

    from app.db import utcnow
    from app.sessions.models import SessionMode
    from app.sessions.services import create_session

    approval_course.completion = {**approval_course.completion, "min_attendance": 80}
    create_session(finished.cohort, "Workshop", utcnow() - timedelta(days=1), 90, SessionMode.ONLINE, "https://konferenz.example.org/1")
    db.session.flush()
    assert awaiting_approval([finished]) == set()
    with pytest.raises(DomainError, match="Noch nicht alle Anforderungen"), app.test_request_context():
        approve_completion(finished, trainer)


def test_a_learners_data_export_holds_the_approval_and_deletion_erases_the_note(db, app, finished, trainer):
    from app.privacy.export import collect
    from app.privacy.services import delete_account

    with app.test_request_context():
        approve_completion(finished, trainer, "Mündliche Prüfung bestanden.")
        [row] = collect(finished.user)["completion_approvals"]
        assert row["enrolment_id"] == finished.id and row["note"] == "Mündliche Prüfung bestanden." and row["approved_at"]
        delete_account(finished.user, None, by="admin")
    approval = db.session.get(CompletionApproval, finished.id)
    assert approval.note is None and approval.approved_by_id == trainer.id  # the approval itself stays


def _approval_mails(db, recipient: str) -> list[OutgoingMail]:
    return db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == recipient,
                                                         OutgoingMail.subject.like("Abschluss wartet auf Ihre Freigabe%"))).all()


def test_trainers_are_told_once_that_a_completion_waits(db, make, finished, trainer):
    from app.certificates.models import ApprovalRequest

    mails = _approval_mails(db, trainer.email)
    assert len(mails) == 1 and "Lea Lernt" in mails[0].subject
    assert f"/kohorten/{finished.cohort_id}#freigaben" in mails[0].body and "Lea Lernt" in mails[0].body
    assert db.session.get(ApprovalRequest, finished.id) is not None
    assert issue_if_eligible(finished) is None  # e.g. attendance recorded again: no second mail
    db.session.flush()
    assert len(_approval_mails(db, trainer.email)) == 1


def test_inactive_trainers_get_no_such_mail(db, make, approval_course):
    from tests.certificates.conftest import complete_course as finish

    away = make.user("trainer", name="Abwesend")
    away.active = False
    present = make.user("trainer", name="Anwesend")
    enrolment = make.enrolment(cohort=make.cohort(course=approval_course, trainers=[away, present]))
    finish(db, enrolment)
    db.session.flush()
    assert _approval_mails(db, away.email) == [] and len(_approval_mails(db, present.email)) == 1



def test_a_course_without_approval_mails_no_trainer(db, make):
    from app.certificates.models import ApprovalRequest
    from tests.certificates.conftest import complete_course as finish

    trainer = make.user("trainer", name="Ohne Freigabe")
    enrolment = make.enrolment(cohort=make.cohort(trainers=[trainer]))
    finish(db, enrolment)
    db.session.flush()
    assert _approval_mails(db, trainer.email) == [] and db.session.get(ApprovalRequest, enrolment.id) is None
    assert certificates_of(db, enrolment)
