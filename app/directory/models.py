"""A certified manager's own, consented entry in the directory. It exists only while consent
does: withdrawing deletes the row at once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class DirectoryEntry(db.Model):
    __tablename__ = "directory_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(200))
    district_ags: Mapped[str] = mapped_column(String(5), index=True)
    land: Mapped[str] = mapped_column(String(2), index=True)
    position: Mapped[str] = mapped_column(String(200), default="")
    topics: Mapped[str] = mapped_column(Text, default="")  # as shown: "Open Data, Smart Parking"
    topics_key: Mapped[str] = mapped_column(Text, default="")  # for search: "|open data|smart parking|"
    contact_email: Mapped[str] = mapped_column(String(254))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def topic_list(self) -> list[str]:
        return [t for t in (s.strip() for s in self.topics.split(",")) if t]
