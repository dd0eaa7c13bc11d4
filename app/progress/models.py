from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db


class ItemType(str, enum.Enum):
    LESSON = "lesson"
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    MODULE = "module"
    COURSE = "course"


class ProgressItem(db.Model):
    """One completed item of one enrolment, with the time it was completed.

    The row exists once the item is done (a lesson read, a quiz passed, a module complete); the
    agency's figures and "time to complete" are read from these timestamps."""

    __tablename__ = "progress_items"
    __table_args__ = (UniqueConstraint("enrolment_id", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    item_type: Mapped[ItemType] = mapped_column(
        Enum(ItemType, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    item_id: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(100))  # e.g. the quiz score "87.5"
