"""Certificates that recorded attendance makes due are issued by background jobs, one per
enrolment, after the trainer's transaction commits — each exactly once, with exactly one mail,
however often its job runs. (With real worker processes and a SIGKILL: tests/jobs/test_certificate_batch.py.)"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from app import jobs
from app.certificates import tasks
from app.certificates.models import Certificate
from app.cohorts.models import EnrolmentStatus
from app.mail.models import OutgoingMail
from app.sessions import services
from app.sessions.models import AttendanceStatus
from tests.sessions.conftest import cohort, past_session, trainer  # noqa: F401  (fixtures)
from tests.sessions.test_eligibility import finish_course


def certificate_mails(db) -> Counter:
    """Certificate id → how many mails carry it."""
    counts = Counter()
    for attachments in db.session.scalars(select(OutgoingMail.attachments)):
        counts.update(a["id"] for a in attachments or () if a.get("kind") == "certificate")
    return counts


def certificates(db, enrolments) -> Counter:
    ids = [e.id for e in enrolments]
    return Counter(db.session.scalars(select(Certificate.enrolment_id).where(Certificate.enrolment_id.in_(ids))))


def completed_short_of_attendance(app, db, make, cohort, trainer, count=3):
    """`count` learners who finished the course with 0 of 1 sessions attended (minimum 80 %)."""
    cohort.course.completion = {**cohort.course.completion, "min_attendance": 80}
    learners = [make.enrolment(cohort=cohort) for _ in range(count)]
    session = past_session(cohort, days_ago=1)
    services.record_attendance(session, {e.id: AttendanceStatus.ABSENT for e in learners}, trainer)
    for enrolment in learners:
        finish_course(app, enrolment)
    db.session.commit()
    jobs.run_committed()
    assert certificates(db, learners) == Counter()
    return learners, session


def test_attendance_queues_one_job_per_learner_and_each_issues_once(app, db, make, cohort, trainer):
    learners, session = completed_short_of_attendance(app, db, make, cohort, trainer)
    mails_before = db.session.scalar(select(func.count(OutgoingMail.id)))
    with app.test_request_context():
        services.record_attendance(session, {e.id: AttendanceStatus.PRESENT for e in learners}, trainer)
    assert certificates(db, learners) == Counter()  # nothing rendered or signed in the trainer's transaction
    db.session.commit()
    assert jobs.run_committed() == 3  # three issuing jobs (each one's mail delivery runs in its own context)
    issued = certificates(db, learners)
    assert issued == Counter({e.id: 1 for e in learners})
    ids = db.session.scalars(select(Certificate.id).where(Certificate.enrolment_id.in_([e.id for e in learners]))).all()
    assert certificate_mails(db) == Counter({certificate_id: 1 for certificate_id in ids})
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == mails_before + 3

    # a retried job (a worker died after its commit) and the same attendance recorded again: nothing more
    assert all(tasks.issue_for_enrolment(e.id) for e in learners)
    with app.test_request_context():
        services.record_attendance(session, {e.id: AttendanceStatus.PRESENT for e in learners}, trainer)
    db.session.commit()
    assert jobs.run_committed() == 0  # every enrolment has its certificate: no job was queued
    assert certificates(db, learners) == issued
    assert certificate_mails(db) == Counter({certificate_id: 1 for certificate_id in ids})


def test_a_job_for_a_learner_who_withdrew_meanwhile_issues_nothing(app, db, make, cohort, trainer):
    [learner], session = completed_short_of_attendance(app, db, make, cohort, trainer, count=1)
    with app.test_request_context():
        services.record_attendance(session, {learner.id: AttendanceStatus.PRESENT}, trainer)
    learner.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    jobs.run_committed()
    assert certificates(db, [learner]) == Counter()
    assert tasks.issue_for_enrolment(learner.id) is False and tasks.issue_for_enrolment(10**9) is False


def test_attendance_rolled_back_issues_nothing(app, db, make, cohort, trainer):
    [learner], session = completed_short_of_attendance(app, db, make, cohort, trainer, count=1)
    with app.test_request_context():
        services.record_attendance(session, {learner.id: AttendanceStatus.PRESENT}, trainer)
    db.session.rollback()
    assert jobs.run_committed() == 0
    assert certificates(db, [learner]) == Counter()
