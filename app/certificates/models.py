from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class CertificateStatus(str, enum.Enum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Certificate(db.Model):
    """An issued certificate: an immutable snapshot of what it states.

    (enrolment_id, version) is unique, so two concurrent issues of version 1 cannot both succeed."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("enrolment_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # unguessable verification code
    kind: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_on: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)
    status: Mapped[CertificateStatus] = mapped_column(
        Enum(CertificateStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=CertificateStatus.VALID,
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Ed25519 signature (base64) of the canonical JSON of `data`, and the signing key's id.
    signature: Mapped[str | None] = mapped_column(String(100))
    signing_key_id: Mapped[str | None] = mapped_column(String(16))
    # Why this version was issued (re-issue), and by whom; empty for the automatic first issue.
    reissue_reason: Mapped[str | None] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821

    @property
    def seal(self) -> dict | None:
        if not self.signature:
            return None
        return {"signature": self.signature, "key_id": self.signing_key_id}

    @property
    def is_current(self) -> bool:
        return self.status != CertificateStatus.SUPERSEDED


class CertificateCounter(db.Model):
    """The last sequential number used per prefix and year (SCM-2027-00042)."""

    __tablename__ = "certificate_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class CertificateAsset(db.Model):
    """An image a certificate design uses (logo, signature), stored once by its SHA-256 and never
    changed, so an issued certificate renders the same however the design folder changes."""

    __tablename__ = "certificate_assets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(50))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CompletionApproval(db.Model):
    """A trainer's approval of an enrolment's completion, for courses whose completion rules ask
    for it (`completion.trainer_approval`). Given once every other requirement is met, and at
    most once per enrolment: the primary key refuses a second approval, also a concurrent one.

    A table of its own rather than columns on `enrolments`: a second foreign key from enrolments
    to users would make every `select(Enrolment).join(User)` ambiguous."""

    __tablename__ = "completion_approvals"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True,
                                              autoincrement=False)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(String(1000))

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
    approved_by: Mapped["User | None"] = relationship()  # noqa: F821


class ApprovalRequest(db.Model):
    """When an enrolment began to wait for a trainer's approval and its trainers were told: once
    per enrolment (the primary key), so neither a repeated trigger (attendance recorded again)
    nor a concurrent one mails twice."""

    __tablename__ = "approval_requests"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True,
                                              autoincrement=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
