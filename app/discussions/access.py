"""Who may read and moderate a cohort's discussions. Anyone else gets 404, as if nothing were there."""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from app.accounts.models import Role
from app.catalogue.models import Module
from app.cohorts.access import can_manage_cohort
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_trainers
from app.extensions import db
from app.discussions.models import DiscussionPost, DiscussionThread
from app.security import can_take_part_in_cohort


def can_read(user, cohort: Cohort) -> bool:
    """Members of the cohort (active or finished), its trainers, admins."""
    return can_take_part_in_cohort(user, cohort)


def can_moderate(user, cohort: Cohort) -> bool:
    """Pin, lock, hide, see hidden posts and reports: the cohort's trainers and admins."""
    return can_manage_cohort(user, cohort)


def can_see_post(user, post: DiscussionPost) -> bool:
    cohort = post.thread.cohort
    if not can_read(user, cohort):
        return False
    if can_moderate(user, cohort):
        return True
    return not post.hidden and not post.thread.opening_post.hidden


def cohort_or_404(user, cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_read(user, cohort):
        abort(404)
    return cohort


def module_or_404(cohort: Cohort, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != cohort.course_id or module.archived_at is not None:
        abort(404)
    return module


def thread_or_404(user, thread_id: int) -> DiscussionThread:
    thread = db.session.get(DiscussionThread, thread_id)
    if thread is None or not thread.posts or not can_see_post(user, thread.opening_post):
        abort(404)
    return thread


def post_or_404(user, post_id: int) -> DiscussionPost:
    post = db.session.get(DiscussionPost, post_id)
    if post is None or not can_see_post(user, post):
        abort(404)
    return post


def readable_cohorts(user) -> Select:
    """The cohorts whose discussions the user reads."""
    query = select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.name)
    if user.role == Role.ADMIN:
        return query
    member = select(Enrolment.cohort_id).where(
        Enrolment.user_id == user.id, Enrolment.status.in_((EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)))
    if user.role == Role.TRAINER:
        trained = select(cohort_trainers.c.cohort_id).where(cohort_trainers.c.user_id == user.id)
        return query.where(Cohort.id.in_(member) | Cohort.id.in_(trained))
    return query.where(Cohort.id.in_(member))
