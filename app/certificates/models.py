from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, String, Text, UniqueConstraint
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

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821


class CertificateCounter(db.Model):
    """The last sequential number used per prefix and year (SCM-2027-00042)."""

    __tablename__ = "certificate_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
