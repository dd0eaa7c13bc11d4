"""A cohort's certificates on the Redis queue with real worker processes: the attendance
makes 20 certificates due, the worker issuing them is SIGKILLed after the first few (held there by
a test job queued between them, so the kill never races the batch), a second worker (with
every issuing job queued a second time, to run twice and side by side) finishes — and each
eligible enrolment has exactly one certificate and exactly one certificate mail."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.extensions import db
from tests.conftest import TEST_COURSES
from tests.jobs import tasks  # noqa: F401  (registers tests.hold_once in this process too)
from tests.jobs.conftest import wait_for

COHORT = 20
BEFORE_KILL = 3  # certificates issued when the first worker is killed


def _cohort_short_of_attendance(app):
    """21 learners (one will withdraw) who finished the course but attended 0 of 1 sessions
    (the course asks for 80 %), in the shared database; returns the session and the enrolment ids."""
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.catalogue.models import Course
    from app.catalogue.services import import_path
    from app.cohorts.models import Cohort, Enrolment
    from app.progress.services import initialise_enrolment
    from app.sessions import services
    from app.sessions.models import AttendanceStatus, SessionMode
    from tests.sessions.test_eligibility import finish_course

    with app.app_context():
        import_path(TEST_COURSES)
        course = db.session.scalar(select(Course).where(Course.slug == "kurz-kurs"))
        course.completion = {**(course.completion or {}), "min_attendance": 80}
        trainer = create_user("trainerin@example.net", "Tina Trainerin", Role.TRAINER, "ein-sicheres-passwort")
        cohort = Cohort(course=course, name="Batch 2027-1", land="12", starts_on=clock.today() - timedelta(days=30))
        cohort.trainers.append(trainer)
        db.session.add(cohort)
        enrolments = []
        for number in range(COHORT + 1):
            learner = create_user(f"learner{number}@example.net", f"Lernende {number}", Role.LEARNER, None)
            enrolment = Enrolment(user=learner, cohort=cohort)
            db.session.add(enrolment)
            db.session.flush()
            initialise_enrolment(enrolment)
            enrolments.append(enrolment)
        session = services.create_session(cohort, "Workshop", clock.now() - timedelta(days=1), 90, SessionMode.ONLINE,
                                           "https://konferenz.example.org/raum-1", None, "")
        services.record_attendance(session, {e.id: AttendanceStatus.ABSENT for e in enrolments}, trainer)
        for enrolment in enrolments:
            finish_course(app, enrolment)
        db.session.commit()
        return session.id, trainer.id, [e.id for e in enrolments[:-1]], enrolments[-1].id


def _counts(app, ids):
    from app.certificates.models import Certificate
    from app.mail.models import OutgoingMail

    with app.app_context():
        certificates = db.session.execute(select(Certificate.id, Certificate.enrolment_id).where(Certificate.enrolment_id.in_(ids))).all()
        mails = Counter()
        for attachments in db.session.scalars(select(OutgoingMail.attachments).where(OutgoingMail.attachments.is_not(None))):
            mails.update(a["id"] for a in attachments if a.get("kind") == "certificate")
        db.session.rollback()
        return certificates, mails


def _certificate_count(app) -> int:
    from app.certificates.models import Certificate

    with app.app_context():
        count = db.session.scalar(select(func.count(Certificate.id)))
        db.session.rollback()
        return count


def test_a_cohorts_certificates_survive_a_killed_worker_each_issued_and_mailed_once(queue_app, workers, tmp_path):
    from app import jobs
    from app.accounts.models import User
    from app.cohorts.models import Enrolment, EnrolmentStatus
    from app.sessions import services
    from app.sessions.models import AttendanceStatus, LiveSession

    files = str(tmp_path / "files")
    queue_app.config.update(FILE_STORAGE_DIR=files, COURSES_DIR=str(TEST_COURSES))
    session_id, trainer_id, ids, withdrawn = _cohort_short_of_attendance(queue_app)
    assert _certificate_count(queue_app) == 0

    hold = tmp_path / "held"
    with queue_app.app_context(), queue_app.test_request_context():
        session = db.session.get(LiveSession, session_id)
        trainer = db.session.get(User, trainer_id)
        # the attendance in two lists: the jobs queue as [issue x 3, hold, issue x 18], in that order
        services.record_attendance(session, {i: AttendanceStatus.PRESENT for i in ids[:BEFORE_KILL]}, trainer)
        db.session.commit()
        jobs.enqueue("tests.hold_once", str(hold))
        db.session.commit()
        services.record_attendance(session, {i: AttendanceStatus.PRESENT for i in ids[BEFORE_KILL:] + [withdrawn]}, trainer)
        db.session.commit()  # the attendance and, after each commit, its issuing jobs on Redis
        db.session.get(Enrolment, withdrawn).status = EnrolmentStatus.WITHDRAWN  # before any job ran
        db.session.commit()
    assert _certificate_count(queue_app) == 0  # nothing issued in the trainer's request

    settings = dict(FILE_STORAGE_DIR=files, COURSES_DIR=str(TEST_COURSES), CERTIFICATE_SIGNING_KEY=queue_app.config["CERTIFICATE_SIGNING_KEY"])
    first = workers.start(extra_import="tests.jobs.tasks", JOBS_WORKER_THREADS=1, **settings)
    wait_for(hold.exists, 60, "the first worker reaching the held job after its first certificates", workers)
    workers.kill(first)
    first.wait(timeout=10)
    assert first.returncode == -9
    at_kill = _certificate_count(queue_app)
    assert at_kill == BEFORE_KILL, f"{at_kill} certificates at the kill, {BEFORE_KILL} expected: the worker ran the queue out of order"

    with queue_app.app_context():  # every job once more: a retry of what already ran, runs side by side
        for enrolment_id in ids:
            jobs.enqueue("certificates.issue", enrolment_id)
        db.session.commit()
    workers.start(extra_import="tests.jobs.tasks", JOBS_WORKER_THREADS=4, **settings)
    wait_for(lambda: _certificate_count(queue_app) >= COHORT, 90, "every certificate issued", workers)
    backend = queue_app.extensions["scc_jobs"]

    def drained():
        stats = backend.stats()
        return stats["waiting"] == stats["running"] == stats["delayed"] == 0

    wait_for(drained, 60, "the queue drained (the duplicate jobs and the mail deliveries)", workers)
    assert backend.stats()["failed"] == 0

    certificates, mails = _counts(queue_app, ids + [withdrawn])
    assert Counter(enrolment for _id, enrolment in certificates) == Counter({i: 1 for i in ids}), "one certificate per eligible enrolment, none for the withdrawn"
    assert mails == Counter({certificate_id: 1 for certificate_id, _enrolment in certificates}), "one certificate mail each"
    print(f"certificates at the kill: {at_kill} of {COHORT}")
