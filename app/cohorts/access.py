"""Who may see and run which cohort. Admins: every cohort. Trainers: the cohorts they are assigned
to — any other cohort answers 404, as if it did not exist. Everyone else: none."""
from __future__ import annotations

import functools

from flask import abort
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from app.accounts.models import Role, User
from app.cohorts.models import Cohort, Enrolment, cohort_trainers
from app.extensions import db


def can_manage_cohort(user: User, cohort: Cohort) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.TRAINER and any(t.id == user.id for t in cohort.trainers)


def can_administer_cohorts(user: User) -> bool:
    """Create cohorts, assign trainers, change a cohort's course."""
    return getattr(user, "is_authenticated", False) and user.role == Role.ADMIN


def manageable_cohorts(user: User) -> Select:
    query = select(Cohort)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.TRAINER:
        return query.join(cohort_trainers, cohort_trainers.c.cohort_id == Cohort.id).where(cohort_trainers.c.user_id == user.id)
    return query.where(False)


@functools.cache
def _cohort_statement():
    # The trainers (for the check below) and the course (every cohort page shows it) come with the
    # cohort: one statement instead of three (issue 17). Built once: session.get() with loader
    # options processed them on every call (75 µs of a cohort page).
    return (select(Cohort).where(Cohort.id == bindparam("cohort_id"))
            .options(joinedload(Cohort.trainers), joinedload(Cohort.course)))


def cohort_or_404(user: User, cohort_id: int) -> Cohort:
    cohort = db.session.scalars(_cohort_statement(), {"cohort_id": cohort_id}).unique().first()
    if cohort is None or not can_manage_cohort(user, cohort):
        abort(404)
    return cohort


def managed_cohort(every_cohort: bool) -> list:
    """The rule of can_manage_cohort in SQL, for a page that reads its cohort in a statement of its
    own (the progress matrix, issue 17): the conditions on `Cohort` for the cohort bound as
    `cohort_id`, if the user may manage it — for a trainer, one of its trainers (the user's id
    bound as `user_id`; manageable_cohorts' rule). `every_cohort` and the parameters: managing_scope."""
    clauses = [Cohort.id == bindparam("cohort_id")]
    if not every_cohort:
        clauses.append(Cohort.id.in_(select(cohort_trainers.c.cohort_id).where(cohort_trainers.c.user_id == bindparam("user_id"))))
    return clauses


def managing_scope(user: User, cohort_id: int) -> tuple[bool, dict]:
    """For managed_cohort: whether the user manages every cohort (admins) and the statement's
    parameters. Anyone who manages no cohort at all gets 404 here, before any read."""
    if not getattr(user, "is_authenticated", False) or user.role not in (Role.ADMIN, Role.TRAINER):
        abort(404)
    if user.role == Role.ADMIN:
        return True, {"cohort_id": cohort_id}
    return False, {"cohort_id": cohort_id, "user_id": user.id}


def enrolment_or_404(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment addressed by id inside a cohort the user already may manage."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        abort(404)
    return enrolment
