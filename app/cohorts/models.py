from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, Enum, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db

cohort_trainers = Table(
    "cohort_trainers",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    land: Mapped[str] = mapped_column(String(2))  # first two digits of the AGS, e.g. "12" Brandenburg
    district_ags: Mapped[str | None] = mapped_column(String(5))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    seats: Mapped[int] = mapped_column(default=30)
    # True: a module opens for learners only on its release date (app.cohorts.schedule); False: the
    # dates are the plan (shown, and used for due dates) but nothing is locked by date.
    release_locks: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped["Course"] = relationship()  # noqa: F821
    trainers: Mapped[list["User"]] = relationship(secondary=cohort_trainers)  # noqa: F821
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="cohort")
    module_releases: Mapped[list["ModuleRelease"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )


class EnrolmentStatus(str, enum.Enum):
    INVITED = "invited"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        Enum(EnrolmentStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=EnrolmentStatus.ACTIVE,
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Stored progress, updated in the transaction of the event that changes it.
    items_done: Mapped[int] = mapped_column(default=0)
    items_total: Mapped[int] = mapped_column(default=0)

    user: Mapped["User"] = relationship(back_populates="enrolments")  # noqa: F821
    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")

    @property
    def percent(self) -> int:
        if not self.items_total:
            return 0
        return round(100 * self.items_done / self.items_total)


class ModuleRelease(db.Model):
    """A trainer's override of the date on which a module opens for one cohort.

    Modules without a row open on the default date computed by `app.cohorts.schedule`."""

    __tablename__ = "module_releases"
    __table_args__ = (UniqueConstraint("cohort_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    opens_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="module_releases")


class Invitation(db.Model):
    """A single-use, expiring link that lets an invited person set a password and complete their
    profile; only the token's SHA-256 is stored. Re-sending replaces the token (the old link dies)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrolment: Mapped[Enrolment] = relationship()
