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
_CACHE: dict[tuple[str, str, str], tuple] = {}  # (role, locale, script root) → entries with URL and label


def register(endpoint: str, label: Callable[[], str], roles: set[str] | frozenset[str], order: int = 50,
             badge: Callable[[object], int] | None = None) -> None:
    _ENTRIES[endpoint] = NavEntry(endpoint, label, frozenset(roles), order, badge)
    _CACHE.clear()


def _entries_for(role: str, locale: str, script_root: str) -> tuple[tuple[NavEntry, str, str], ...]:
    """(entry, url, label) for a role in a language: the same on every page, so built once per
    process (the URLs take no arguments, the labels depend only on the language)."""
    key = (role, locale, script_root)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _CACHE[key] = tuple(
            (entry, url_for(entry.endpoint), str(entry.label()))
            for entry in sorted(_ENTRIES.values(), key=lambda e: e.order) if role in entry.roles
        )
    return cached


def entries_for_current_user() -> list[dict]:
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return []
    from flask_babel import get_locale

    return [
        {
            "url": url,
            "label": label,
            "current": request.endpoint == entry.endpoint,
            "badge": entry.badge(user) if entry.badge else None,
        }
        for entry, url, label in _entries_for(user.role.value, str(get_locale()), request.script_root)
    ]


def state_for_current_user() -> tuple:
    """Everything the navigation of this request depends on, as a key for the cached layout
    (app.templating.layout_header): role, language, script root, which entry is current, the
    badges. Cheaper than building the entries, which are only needed when the key is new."""
    user = current_user._get_current_object()  # once: each use of the proxy looks the user up again
    if not getattr(user, "is_authenticated", False):
        return ()
    from flask_babel import get_locale

    role = user.role.value
    entries = _entries_for(role, str(get_locale()), request.script_root)
    endpoint = request.endpoint
    return (
        role, endpoint if any(entry.endpoint == endpoint for entry, _url, _label in entries) else None,
        tuple(entry.badge(user) for entry, _url, _label in entries if entry.badge),
    )
