"""Searching the directory: consented entries of people who are still certified and active."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.directory.access import certified_user_ids
from app.directory.models import DirectoryEntry
from app.directory.topics import normalise
from app.extensions import db

PAGE_SIZE = 50


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible_entries(scope: set[str] | None):
    query = (
        select(DirectoryEntry).join(User, User.id == DirectoryEntry.user_id)
        .where(User.active.is_(True), DirectoryEntry.user_id.in_(certified_user_ids()))
    )
    if scope is not None:
        query = query.where(DirectoryEntry.land.in_(sorted(scope)))
    return query


def search(scope: set[str] | None, land: str | None = None, district_ags: str | None = None, topic: str | None = None,
           limit: int = PAGE_SIZE) -> list[DirectoryEntry]:
    query = visible_entries(scope)
    if land:
        query = query.where(DirectoryEntry.land == land)
    if district_ags:
        query = query.where(DirectoryEntry.district_ags == district_ags)
    if topic and normalise(topic):
        query = query.where(DirectoryEntry.topics_key.like(f"%{_escape_like(normalise(topic))}%", escape="\\"))
    return list(db.session.scalars(query.order_by(DirectoryEntry.land, DirectoryEntry.district_ags, DirectoryEntry.name).limit(limit)))


def known_topics(scope: set[str] | None) -> list[str]:
    """Topics of the visible entries, for suggestions in the search field."""
    seen: dict[str, str] = {}
    for entry in db.session.scalars(visible_entries(scope)):
        for topic in entry.topic_list:
            seen.setdefault(normalise(topic), topic)
    return sorted(seen.values(), key=str.casefold)
