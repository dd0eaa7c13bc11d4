"""A cohort's live sessions (workshops, online or on site) and who attended them."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class SessionMode(str, enum.Enum):
    ONLINE = "online"
    ON_SITE = "on_site"


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


def _new_uid() -> str:
    return f"{uuid.uuid4()}@smart-city-campus"


class LiveSession(db.Model):
    """A Termin. `starts_at` is stored in UTC; the form takes and shows Europe/Berlin time.
    `uid` and `sequence` identify the event in calendars: an edit raises the sequence so that a
    re-imported .ics updates the entry instead of adding a second one."""

    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(default=240)
    mode: Mapped[SessionMode] = mapped_column(
        Enum(SessionMode, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=SessionMode.ONLINE,
    )
    location: Mapped[str] = mapped_column(String(500), default="")  # video-conference link or address
    materials: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered without raw HTML
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=_new_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cohort: Mapped["Cohort"] = relationship()  # noqa: F821
    module: Mapped["Module | None"] = relationship()  # noqa: F821
    attendances: Mapped[list["Attendance"]] = relationship(back_populates="session", cascade="all, delete-orphan")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Attendance(db.Model):
    """One learner's attendance at one session, as the trainer recorded it (last change wins;
    who and when is kept on the row and in the audit log)."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        Enum(AttendanceStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    session: Mapped[LiveSession] = relationship(back_populates="attendances")
    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
