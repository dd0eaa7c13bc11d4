"""Who may see and grade submissions. Views ask these; templates get booleans."""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, select

from app.accounts.models import Role, User
from app.cohorts.models import Cohort, cohort_trainers
from app.db import read_rows
from app.security import can_view_enrolment


def can_view_submission(user: User, submission) -> bool:
    """The learner, the cohort's trainers and admins."""
    return can_view_enrolment(user, submission.enrolment)


def can_grade(user: User, submission) -> bool:
    """The cohort's trainers and admins — never the learner, even a learner who is a trainer elsewhere."""
    if submission.enrolment.user_id == user.id:
        return False
    return can_grade_cohort(user, submission.enrolment.cohort)


def can_grade_cohort(user: User, cohort: Cohort) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.TRAINER and any(t.id == user.id for t in cohort.trainers)


def can_download_file(user: User, file) -> bool:
    """Draft files only to their owner; handed-in files also to the cohort's trainers and admins."""
    if file.version_id is None:
        return file.submission.enrolment.user_id == user.id
    return can_view_submission(user, file.submission)


def grades_every_cohort(user: User) -> bool:
    return user.role == Role.ADMIN


def cohort_ids_graded_by(user_id):
    """A subquery of the cohorts whose submissions a trainer grades; `user_id` may be a bindparam."""
    return select(cohort_trainers.c.cohort_id).where(cohort_trainers.c.user_id == user_id)


@functools.cache
def _graded_cohorts_statement(every: bool):
    """Built once per process (for admins, and with the trainer's id bound per request)."""
    query = select(Cohort.id, Cohort.name, Cohort.course_id).order_by(Cohort.starts_on.desc(), Cohort.name)
    return query if every else query.where(Cohort.id.in_(cohort_ids_graded_by(bindparam("user_id"))))


def graded_cohorts(user: User) -> list:
    """Id, name and course of the cohorts the user grades, as rows (the queue's filter shows them)."""
    every = grades_every_cohort(user)
    return read_rows(_graded_cohorts_statement(every), {} if every else {"user_id": user.id}).all()
