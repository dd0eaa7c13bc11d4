"""What only admins change: which Länder an agency user may see, and a few instance settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db


class AgencyScope(db.Model):
    """One Land (two-digit AGS prefix, e.g. "12") an agency user is bound to; a user may have several.
    An agency user without any row sees no figures at all."""

    __tablename__ = "agency_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    land: Mapped[str] = mapped_column(String(2), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Setting(db.Model):
    """An instance setting an admin changes in the UI (key → text value); defaults live in code
    (`app.admin.services.SETTINGS`), so a missing row means "default"."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
