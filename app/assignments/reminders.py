"""Automatic reminders: a learner whose assignment is due within DUE_REMINDER_DAYS days (Berlin
calendar days, the due day included) and not handed in gets one mail, in their language — once
per enrolment and assignment, however often the hourly job or the cron command runs.

"Exactly once" is the database's: the DueReminder row (unique per enrolment and assignment) is
added in a savepoint in the transaction that queues the mail; a concurrent run that added it
first makes this one skip the learner, and a rollback takes row and mail back together."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from app import clock
from app.accounts.models import User
from app.assignments.models import DueReminder, Submission, SubmissionStatus
from app.assignments.services import due_date_for
from app.catalogue.models import Assignment, Module
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.db import add_unless_duplicate
from app.extensions import db
from app.links import absolute_url
from app.mail.compose import mail_user

# Not handed in: no submission yet, or a draft. A requested revision is the trainer's business
# (the learner was told by the grading mail), a submitted or graded one needs no reminder.
NOT_HANDED_IN = (None, SubmissionStatus.DRAFT)


def due_soon(today, days: int) -> list[tuple[Enrolment, Assignment, object]]:
    """(enrolment, assignment, due date) of active learners whose assignment is due from `today`
    to `today + days` and not handed in, and who were not reminded of it yet."""
    rows = db.session.execute(
        select(Enrolment, Assignment, Submission.status)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(User, Enrolment.user_id == User.id)
        .join(Module, Module.course_id == Cohort.course_id)
        .join(Assignment, Assignment.module_id == Module.id)
        .outerjoin(Submission, (Submission.enrolment_id == Enrolment.id) & (Submission.assignment_id == Assignment.id))
        .outerjoin(DueReminder, (DueReminder.enrolment_id == Enrolment.id) & (DueReminder.assignment_id == Assignment.id))
        .where(Enrolment.status == EnrolmentStatus.ACTIVE, User.active.is_(True), Module.archived_at.is_(None),
               Assignment.archived_at.is_(None), DueReminder.id.is_(None))
        # what the mail needs comes with the rows: no load per enrolment (the job runs hourly)
        .options(contains_eager(Assignment.module), contains_eager(Enrolment.user),
                 contains_eager(Enrolment.cohort).selectinload(Cohort.course))
        .order_by(Enrolment.id, Assignment.id)
    ).all()
    last = today + timedelta(days=days)
    found = []
    for enrolment, assignment, status in rows:
        if status not in NOT_HANDED_IN or assignment.settings.get("due_days") is None:
            continue
        due_on = due_date_for(enrolment.cohort, assignment)
        if due_on is not None and today <= due_on <= last:
            found.append((enrolment, assignment, due_on))
    return found


def send_due_reminders(days: int | None = None) -> int:
    """Queues the reminder mails that are due now; returns how many. Flushes, does not commit."""
    days = current_app.config["DUE_REMINDER_DAYS"] if days is None else days
    today = clock.today()
    sent = 0
    for enrolment, assignment, due_on in due_soon(today, days):
        if not add_unless_duplicate(DueReminder(enrolment_id=enrolment.id, assignment_id=assignment.id, due_on=due_on)):
            continue  # another run reminded this learner a moment ago
        module = assignment.module
        link = absolute_url("assignments.assignment", course_slug=enrolment.cohort.course.slug, module_slug=module.slug,
                            assignment_slug=assignment.slug)
        mail_user(enrolment.user, "mail/assignment_due.txt",
                  _l("Erinnerung: „%(title)s“ ist bis %(date)s fällig", title=assignment.title, date=due_on.strftime("%d.%m.%Y")),
                  assignment=assignment, course=enrolment.cohort.course, due_on=due_on, days_left=(due_on - today).days, link=link)
        sent += 1
    db.session.flush()
    return sent
