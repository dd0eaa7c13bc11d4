"""Threads and posts in a cohort's discussion space for one module; reports; mail preferences."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class DiscussionThread(db.Model):
    __tablename__ = "discussion_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    pinned: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    locked: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    cohort: Mapped["Cohort"] = relationship()  # noqa: F821
    module: Mapped["Module"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821
    posts: Mapped[list["DiscussionPost"]] = relationship(
        back_populates="thread", order_by="DiscussionPost.id", cascade="all, delete-orphan",
    )

    @property
    def opening_post(self) -> "DiscussionPost":
        return self.posts[0]


class DiscussionPost(db.Model):
    """A post in Markdown (rendered without raw HTML). Hidden posts stay stored for the record
    but only trainers and admins see them."""

    __tablename__ = "discussion_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    thread: Mapped[DiscussionThread] = relationship(back_populates="posts")
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    reports: Mapped[list["PostReport"]] = relationship(back_populates="post", cascade="all, delete-orphan")

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class PostReport(db.Model):
    """A learner's report of a post to the cohort's trainers; one per person and post."""

    __tablename__ = "discussion_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    post: Mapped[DiscussionPost] = relationship(back_populates="reports")
    reporter: Mapped["User | None"] = relationship(foreign_keys=[reporter_id])  # noqa: F821


class DiscussionSetting(db.Model):
    """A user's choice about reply mails; no row means the default (mails on)."""

    __tablename__ = "discussion_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reply_mails: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
