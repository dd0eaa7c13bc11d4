"""The main navigation, assembled from entries that each feature registers.

A feature calls `register(...)` at import time; the layout shows the entries whose roles
include the current user's. A badge (e.g. submissions waiting for grading) is computed by a
function the feature supplies, called once per page for users who see the entry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Callable[[], str]  # lazy, so it is translated per request
    roles: frozenset[str]
    order: int = 50
    badge: Callable[[object], int] | None = None


_ENTRIES: dict[str, NavEntry] = {}


def register(endpoint: str, label: Callable[[], str], roles: set[str] | frozenset[str], order: int = 50,
             badge: Callable[[object], int] | None = None) -> None:
    _ENTRIES[endpoint] = NavEntry(endpoint, label, frozenset(roles), order, badge)


def entries_for_current_user() -> list[dict]:
    if not getattr(current_user, "is_authenticated", False):
        return []
    role = current_user.role.value
    result = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if role in entry.roles:
            result.append({
                "url": url_for(entry.endpoint),
                "label": str(entry.label()),
                "current": request.endpoint == entry.endpoint,
                "badge": entry.badge(current_user) if entry.badge else None,
            })
    return result
