"""Automatic reminders of assignments due soon: once per learner and assignment, in the
learner's language, by Berlin calendar days, never to someone who handed in, withdrew or completed."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from app import clock
from app.assignments import services, tasks
from app.assignments.models import DueReminder
from app.assignments.reminders import send_due_reminders
from app.cohorts.models import EnrolmentStatus
from app.jobs import PERIODIC
from app.mail.models import OutgoingMail
from app.sessions.times import berlin_to_utc


def reminders(db, enrolment) -> list[OutgoingMail]:
    return db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == enrolment.user.email,
                                                         OutgoingMail.subject.like("%rinnerung%") | OutgoingMail.subject.like("Reminder%"))).all()


def at_berlin(day, hour, minute=0):
    return berlin_to_utc(day, time(hour, minute))


@pytest.fixture()
def due_on(learner, assignment):
    day = services.due_date_for(learner.cohort, assignment)
    assert day is not None
    return day


def test_due_in_four_days_waits_in_three_days_reminds_once(app, db, learner, assignment, due_on):
    with clock.frozen(at_berlin(due_on - timedelta(days=4), 9)) as advance:
        assert send_due_reminders() == 0
        advance(days=1)  # due in three days (DUE_REMINDER_DAYS=3)
        assert send_due_reminders() == 1
        assert send_due_reminders() == 0  # the next hour's run
        advance(days=2)  # due tomorrow: reminded already
        assert send_due_reminders() == 0
    [mail] = reminders(db, learner)
    assert mail.subject == f"Erinnerung: „{assignment.title}“ ist bis {due_on:%d.%m.%Y} fällig"
    assert "ist in 3 Tagen fällig" in mail.body and "/kurse/kurz-kurs/02-abschluss/aufgaben/reflexion" in mail.body
    row = db.session.scalar(select(DueReminder).where(DueReminder.enrolment_id == learner.id))
    assert row.assignment_id == assignment.id and row.due_on == due_on


def test_the_day_turns_at_midnight_in_berlin_not_in_utc(app, db, learner, assignment, due_on, monkeypatch):
    monkeypatch.setitem(app.config, "DUE_REMINDER_DAYS", 1)
    before = at_berlin(due_on - timedelta(days=2), 23, 30)  # 22:30 UTC in winter, 21:30 in summer
    with clock.frozen(before) as advance:
        assert send_due_reminders() == 0  # due the day after tomorrow
        advance(hours=1)  # 00:30 in Berlin: due tomorrow, while UTC still shows the day before
        assert clock.now().date() == due_on - timedelta(days=2) and clock.today() == due_on - timedelta(days=1)
        assert send_due_reminders() == 1
    [mail] = reminders(db, learner)
    assert "ist morgen fällig" in mail.body


def test_overdue_handed_in_withdrawn_or_completed_get_nothing(app, db, make, cohort, learner, assignment, due_on):
    from tests.assignments.conftest import open_first_module

    handed_in, withdrawn, completed, drafting = (make.enrolment(cohort=cohort) for _ in range(4))
    for enrolment in (handed_in, withdrawn, completed, drafting):
        open_first_module(db, enrolment)
    submission = services.get_or_create_submission(handed_in, assignment)
    services.save_draft(submission, "Meine Reflexion")
    services.hand_in(submission)
    services.save_draft(services.get_or_create_submission(drafting, assignment), "Angefangen")
    withdrawn.status, completed.status = EnrolmentStatus.WITHDRAWN, EnrolmentStatus.COMPLETED
    db.session.flush()
    with clock.frozen(at_berlin(due_on + timedelta(days=1), 8)):
        assert send_due_reminders() == 0  # overdue: too late for a reminder
    with clock.frozen(at_berlin(due_on, 7)):
        assert send_due_reminders() == 2  # due today: the learner without a submission and the one with a draft
    assert [len(reminders(db, e)) for e in (learner, drafting, handed_in, withdrawn, completed)] == [1, 1, 0, 0, 0]
    assert "ist heute fällig" in reminders(db, drafting)[0].body


def test_in_the_learners_language(app, db, learner, assignment, due_on):
    learner.user.locale = "en"
    with clock.frozen(at_berlin(due_on - timedelta(days=1), 12)):
        assert send_due_reminders() == 1
    [mail] = reminders(db, learner)
    assert mail.subject == f"Reminder: “{assignment.title}” is due by {due_on:%d.%m.%Y}"
    assert "is due tomorrow and has not been handed in yet" in mail.body


def test_the_job_commits_and_obeys_the_switch_and_the_cli_does_the_same(app, db, learner, assignment, due_on, monkeypatch):
    assert PERIODIC["assignments.due_reminders"].every == 3600
    assert PERIODIC["assignments.due_reminders"].when({"DUE_REMINDERS": True})
    assert not PERIODIC["assignments.due_reminders"].when({"DUE_REMINDERS": False})
    with clock.frozen(at_berlin(due_on - timedelta(days=2), 10)):
        monkeypatch.setitem(app.config, "DUE_REMINDERS", False)
        assert tasks.send_due_reminders() == 0
        result = app.test_cli_runner().invoke(args=["assignments", "send-due-reminders"])
        assert "switched off" in result.output and reminders(db, learner) == []
        monkeypatch.setitem(app.config, "DUE_REMINDERS", True)
        result = app.test_cli_runner().invoke(args=["assignments", "send-due-reminders", "--days", "1"])
        assert result.exit_code == 0 and "0 reminder mail(s) queued" in result.output  # due in 2 days
        result = app.test_cli_runner().invoke(args=["assignments", "send-due-reminders"])
        assert result.exit_code == 0 and "1 reminder mail(s) queued" in result.output
        assert tasks.send_due_reminders() == 0
    assert len(reminders(db, learner)) == 1


def test_a_reminder_claimed_by_a_concurrent_run_is_not_sent_again(app, db, learner, assignment, due_on):
    # another run (worker or cron) committed the claim between this run's query and its insert
    db.session.add(DueReminder(enrolment_id=learner.id, assignment_id=assignment.id, due_on=due_on,
                               sent_at=datetime(2027, 1, 1, tzinfo=timezone.utc)))
    db.session.flush()
    from app.db import add_unless_duplicate

    assert not add_unless_duplicate(DueReminder(enrolment_id=learner.id, assignment_id=assignment.id, due_on=due_on))
    with clock.frozen(at_berlin(due_on - timedelta(days=1), 12)):
        assert send_due_reminders() == 0
    assert reminders(db, learner) == []


def test_the_data_export_lists_the_reminders_sent(app, db, learner, assignment, due_on):
    from app.privacy.export import collect

    with clock.frozen(at_berlin(due_on - timedelta(days=1), 12)):
        send_due_reminders()
    [entry] = collect(learner.user)["due_reminders"]
    assert entry["enrolment_id"] == learner.id and entry["assignment_id"] == assignment.id
    assert entry["due_on"] == due_on.isoformat()


def test_finding_the_due_reminders_costs_the_same_statements_for_one_learner_or_five(app, db, make, cohort, learner, assignment, due_on):
    """The hourly job reads learners, cohorts and courses with the rows, not one by one."""
    from sqlalchemy import event

    from app.assignments.reminders import due_soon
    from tests.assignments.conftest import open_first_module

    def statements() -> int:
        count = [0]

        def counted(*args) -> None:
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            db.session.expire_all()
            found = due_soon(due_on, 3)
            for enrolment, reminded, _due in found:  # what send_due_reminders reads of each
                (enrolment.user.email, enrolment.user.locale, enrolment.cohort.course.slug, reminded.module.slug)
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        return count[0], len(found)

    with clock.frozen(at_berlin(due_on, 9)):
        one, found_one = statements()
        for number in range(4):
            open_first_module(db, make.enrolment(user=make.user("learner", name=f"Lernende {number}"), cohort=cohort))
        db.session.flush()
        five, found_five = statements()
    assert (found_one, found_five) == (1, 5)
    assert five == one
