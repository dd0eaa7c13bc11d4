"""Who may see and grade submissions. Views ask these; templates get booleans."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role, User
from app.cohorts.models import Cohort, cohort_trainers
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
