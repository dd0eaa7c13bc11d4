"""Discussion rules that need neither Flask nor the database."""
from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_EDIT_MINUTES = 30
MAX_BODY_CHARS = 20_000


def edit_deadline(created_at: datetime, window_minutes: int) -> datetime:
    return created_at + timedelta(minutes=window_minutes)


def within_edit_window(created_at: datetime, now: datetime, window_minutes: int) -> bool:
    return now <= edit_deadline(created_at, window_minutes)
