"""Locale selection: German unless the user chose English (stored on the account, or in the
session for anonymous visitors)."""
from __future__ import annotations

from babel import Locale
from flask import current_app, g, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user

# Babel's Locale per identifier: Flask-Babel parses the selector's answer on every request (a new
# Locale each time, about 20 Python calls) unless it is given a Locale, which it takes as it is.
_LOCALES: dict[str, Locale] = {}


def _locale(identifier: str) -> Locale:
    locale = _LOCALES.get(identifier)
    if locale is None:
        locale = _LOCALES[identifier] = Locale.parse(identifier)
    return locale


def select_locale() -> Locale:
    config = current_app.config
    if not has_request_context():  # CLI commands, background work: the default language
        return _locale(config["BABEL_DEFAULT_LOCALE"])
    languages = config["LANGUAGES"]
    user = current_user._get_current_object()  # once: each use of the proxy looks the user up again
    if user is not None and user.is_authenticated and user.locale in languages:
        return _locale(user.locale)
    chosen = session.get("lang")
    return _locale(chosen if chosen in languages else config["BABEL_DEFAULT_LOCALE"])


def locale_name() -> str:
    """`str(get_locale())` — "de" or "en" — worked out once per request and locale: the layout asks
    for it four to six times a page, each a walk through Flask-Babel's context-local lookups and
    Babel's identifier. Kept beside Flask-Babel's locale in its per-request namespace, with the
    Locale object it was made for, so force_locale() and refresh() — which put another object
    there — are followed."""
    try:
        babel_globals = getattr(g._get_current_object(), "_flask_babel", None)
    except RuntimeError:  # outside an app context: Flask-Babel decides, as before
        return str(get_locale())
    cached = getattr(babel_globals, "locale_name", None)
    if cached is not None and cached[0] is getattr(babel_globals, "babel_locale", None):
        return cached[1]
    locale = get_locale()
    name = str(locale)
    if locale is not None:
        g._flask_babel.locale_name = (locale, name)
    return name


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
