"""Reads for the discussion pages."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.cohorts.models import Cohort
from app.discussions.models import DiscussionPost, DiscussionThread, PostReport
from app.extensions import db


def threads(cohort: Cohort, module_id: int, include_hidden: bool) -> list[tuple[DiscussionThread, int]]:
    """(thread, visible replies) in the space, pinned first, then the most recently active."""
    found = db.session.scalars(
        select(DiscussionThread).where(DiscussionThread.cohort_id == cohort.id, DiscussionThread.module_id == module_id)
        .options(selectinload(DiscussionThread.posts).selectinload(DiscussionPost.author))
        .order_by(DiscussionThread.pinned.desc(), DiscussionThread.last_post_at.desc())
    ).all()
    result = []
    for thread in found:
        if not thread.posts:
            continue
        if thread.opening_post.hidden and not include_hidden:
            continue
        replies = [p for p in thread.posts[1:] if include_hidden or not p.hidden]
        result.append((thread, len(replies)))
    return result


def visible_posts(thread: DiscussionThread, include_hidden: bool) -> list[DiscussionPost]:
    return [p for p in thread.posts if include_hidden or not p.hidden]


def thread_counts(cohort: Cohort, include_hidden: bool) -> dict[int, int]:
    """module id → number of threads the reader sees (learners: not those whose opening post is hidden)."""
    query = select(DiscussionThread.module_id, func.count(DiscussionThread.id)).where(DiscussionThread.cohort_id == cohort.id)
    if not include_hidden:
        first_post = (select(func.min(DiscussionPost.id)).where(DiscussionPost.thread_id == DiscussionThread.id)
                      .correlate(DiscussionThread).scalar_subquery())
        query = query.join(DiscussionPost, DiscussionPost.id == first_post).where(DiscussionPost.hidden_at.is_(None))
    return dict(db.session.execute(query.group_by(DiscussionThread.module_id)).all())


def open_reports(cohort: Cohort) -> list[PostReport]:
    return list(db.session.scalars(
        select(PostReport).join(DiscussionPost).join(DiscussionThread)
        .where(DiscussionThread.cohort_id == cohort.id, PostReport.resolved_at.is_(None))
        .options(selectinload(PostReport.post).selectinload(DiscussionPost.thread))
        .order_by(PostReport.created_at)
    ))
