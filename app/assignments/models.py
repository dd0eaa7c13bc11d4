"""Submissions of practical assignments, their immutable versions, files and gradings.

One `Submission` per learner (enrolment) and assignment holds the editable draft and the current
status. Handing in creates a numbered `SubmissionVersion` that never changes again; its files
(`SubmissionFile`) and every `Grading` of it are kept for good — a regrade adds a record. Mapper
events below refuse updates and deletes of those rows, so "immutable" is not only a convention.
`Submission.lock_version` is the optimistic lock: every hand-in and grading changes it, and a
grading based on an older value is refused."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


class SubmissionStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    REVISION_REQUESTED = "revision_requested"
    PASSED = "passed"
    FAILED = "failed"


EDITABLE = (SubmissionStatus.DRAFT, SubmissionStatus.REVISION_REQUESTED)
WAITING = (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW)


class Decision(str, enum.Enum):
    PASSED = "passed"
    REVISION_REQUESTED = "revision_requested"
    FAILED = "failed"


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("enrolment_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(_enum(SubmissionStatus), default=SubmissionStatus.DRAFT, index=True)
    draft_text: Mapped[str] = mapped_column(Text, default="")
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)  # of the latest version
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
    assignment: Mapped["Assignment"] = relationship()  # noqa: F821
    reviewer: Mapped["User | None"] = relationship()  # noqa: F821
    versions: Mapped[list["SubmissionVersion"]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number"
    )
    draft_files: Mapped[list["SubmissionFile"]] = relationship(
        primaryjoin="and_(SubmissionFile.submission_id == Submission.id, SubmissionFile.version_id.is_(None))",
        order_by="SubmissionFile.id", viewonly=True,
    )

    @property
    def latest_version(self) -> "SubmissionVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE


class SubmissionVersion(db.Model):
    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_on: Mapped[date | None] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(default=False)
    # Bookkeeping, not content: when the trainers were told (at once or in the daily digest).
    trainers_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    submission: Mapped[Submission] = relationship(back_populates="versions")
    files: Mapped[list["SubmissionFile"]] = relationship(order_by="SubmissionFile.id", viewonly=True,
                                                         primaryjoin="SubmissionFile.version_id == SubmissionVersion.id")
    gradings: Mapped[list["Grading"]] = relationship(back_populates="version", order_by="Grading.id")

    @property
    def latest_grading(self) -> "Grading | None":
        return self.gradings[-1] if self.gradings else None


class SubmissionFile(db.Model):
    """A file of a draft (version_id NULL) or of a handed-in version. Several rows may share one
    stored file: a resubmission starts from the files of the version before."""

    __tablename__ = "submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("submission_versions.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship()


class Grading(db.Model):
    """One trainer's assessment of one version: who, when, levels, points, comment, decision."""

    __tablename__ = "gradings"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_versions.id"), index=True)
    grader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    levels: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion id → chosen level index
    points: Mapped[float]
    max_points: Mapped[float]
    pass_points: Mapped[float]
    decision: Mapped[Decision] = mapped_column(_enum(Decision))
    comment: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[SubmissionVersion] = relationship(back_populates="gradings")
    grader: Mapped["User"] = relationship()  # noqa: F821


class ImmutableRecordError(RuntimeError):
    """Code tried to change or delete a handed-in version, its files or a grading."""


_VERSION_CONTENT = ("submission_id", "number", "text", "submitted_at", "due_on", "late")


@event.listens_for(SubmissionVersion, "before_update")
def _version_unchanged(mapper, connection, target) -> None:
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in _VERSION_CONTENT):
        raise ImmutableRecordError(f"submission version {target.id} is immutable")


@event.listens_for(SubmissionFile, "before_update")
def _file_unchanged(mapper, connection, target) -> None:
    state = inspect(target)
    version_history = state.attrs["version_id"].history
    was_handed_in = bool(version_history.deleted and version_history.deleted[0] is not None) or (
        not version_history.has_changes() and target.version_id is not None
    )
    if was_handed_in:
        raise ImmutableRecordError(f"file {target.id} of a handed-in version is immutable")


@event.listens_for(SubmissionFile, "before_delete")
def _file_kept(mapper, connection, target) -> None:
    if target.version_id is not None:
        raise ImmutableRecordError(f"file {target.id} of a handed-in version cannot be deleted")


@event.listens_for(SubmissionVersion, "before_delete")
@event.listens_for(Grading, "before_delete")
@event.listens_for(Grading, "before_update")
def _record_kept(mapper, connection, target) -> None:
    raise ImmutableRecordError(f"{type(target).__name__} {target.id} is a permanent record")


class DueReminder(db.Model):
    """A reminder mailed to a learner whose assignment is due soon and not handed in: one per
    enrolment and assignment, ever. The row is claimed (unique constraint) in the transaction
    that queues the mail, so a second run — the next hour's, another worker's, cron's — sends
    nothing more."""

    __tablename__ = "due_reminders"
    __table_args__ = (UniqueConstraint("enrolment_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)  # the due date the reminder named
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
