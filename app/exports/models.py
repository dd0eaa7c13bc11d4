from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class ExportStatus(str, enum.Enum):
    PENDING = "pending"    # asked for; a job will build it
    RUNNING = "running"    # a worker holds the claim (and renews heartbeat_at while it builds)
    READY = "ready"        # stored in the file store under file_key until expires_at
    FAILED = "failed"      # the builder raised; error says why, the person may try again
    EXPIRED = "expired"    # the file was deleted after expires_at; the row stays as history


class Export(db.Model):
    """One file somebody asked for, prepared in the background ("Meine Downloads"): who asked,
    which kind of file with which parameters (JSON), how far the build is and where the result
    lies. Only the person who asked may see or download it, and only while the feature that
    built it still lets them (checked again at download)."""

    __tablename__ = "exports"
    __table_args__ = (Index("ix_exports_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    title: Mapped[str] = mapped_column(String(300))  # as shown in the list, in the language of the request
    status: Mapped[ExportStatus] = mapped_column(
        Enum(ExportStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=ExportStatus.PENDING, index=True,
    )
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    unit: Mapped[str] = mapped_column(String(20), default="rows")  # rows | files | certificates
    error: Mapped[str | None] = mapped_column(Text)
    # the worker that holds the build: a random token set by the claim; progress and the result
    # are written only while it is still the claim (a second run that took over wins)
    claim: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    file_key: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    user: Mapped["User"] = relationship()  # noqa: F821
