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
# (role, locale, script root) → (entries with URL and label, their endpoints, the entries with a badge)
_CACHE: dict[tuple[str, str, str], tuple[tuple, frozenset[str], tuple[NavEntry, ...]]] = {}


def register(endpoint: str, label: Callable[[], str], roles: set[str] | frozenset[str], order: int = 50,
             badge: Callable[[object], int] | None = None) -> None:
    _ENTRIES[endpoint] = NavEntry(endpoint, label, frozenset(roles), order, badge)
    _CACHE.clear()


def _navigation_for(role: str, locale: str, script_root: str) -> tuple[tuple, frozenset[str], tuple[NavEntry, ...]]:
    """(entry, url, label) for a role in a language: the same on every page, so built once per
    process (the URLs take no arguments, the labels depend only on the language); with the set of
    their endpoints and the entries that show a badge, which every page's state asks for."""
    key = (role, locale, script_root)
    cached = _CACHE.get(key)
    if cached is None:
        entries = tuple(
            (entry, url_for(entry.endpoint), str(entry.label()))
            for entry in sorted(_ENTRIES.values(), key=lambda e: e.order) if role in entry.roles
        )
        cached = _CACHE[key] = (entries, frozenset(entry.endpoint for entry, _url, _label in entries),
                                tuple(entry for entry, _url, _label in entries if entry.badge))
    return cached


_PROVIDED = "scc.navigation_badges"  # in the request's WSGI environ: endpoint → the badge's value


def provide_badge(endpoint: str, value: int) -> None:
    """For a page that read a badge's value together with its own data (the grading queue and the
    progress matrix read the waiting count in their one statement): this request's navigation
    shows `value` instead of calling the badge's function — one statement fewer, a round trip on
    PostgreSQL (issue 17). Kept with the request, so the next request asks the function again.
    Only for a page that changes nothing the badge counts after reading it."""
    request.environ.setdefault(_PROVIDED, {})[endpoint] = value


def _badges(entries, user) -> list:
    provided = request.environ.get(_PROVIDED)
    if not provided:
        return [entry.badge(user) for entry in entries]
    return [provided[entry.endpoint] if entry.endpoint in provided else entry.badge(user) for entry in entries]


def _entries_for(role: str, locale: str, script_root: str) -> tuple[tuple[NavEntry, str, str], ...]:
    return _navigation_for(role, locale, script_root)[0]


def entries_for_current_user() -> list[dict]:
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return []
    from flask_babel import get_locale

    entries = _entries_for(user.role.value, str(get_locale()), request.script_root)
    badges = _badges([entry for entry, _url, _label in entries if entry.badge], user)
    return [
        {
            "url": url,
            "label": label,
            "current": request.endpoint == entry.endpoint,
            "badge": badges.pop(0) if entry.badge else None,
        }
        for entry, url, label in entries
    ]


def state_for_current_user(locale: str | None = None) -> tuple:
    """Everything the navigation of this request depends on, as a key for the cached layout
    (app.templating.layout_header): role, language, script root, which entry is current, the
    badges. Cheaper than building the entries, which are only needed when the key is new.
    `locale`: the request's language if the caller has it at hand (str(get_locale()) otherwise)."""
    user = current_user._get_current_object()  # once: each use of the proxy looks the user up again
    if not getattr(user, "is_authenticated", False):
        return ()
    if locale is None:
        from flask_babel import get_locale

        locale = str(get_locale())
    role = user.role.value
    _entries, endpoints, badged = _navigation_for(role, locale, request.script_root)
    endpoint = request.endpoint
    return (
        role, endpoint if endpoint in endpoints else None,
        tuple(_badges(badged, user)) if badged else (),
    )
