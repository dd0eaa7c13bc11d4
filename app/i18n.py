"""Locale selection: German unless the user chose English (stored on the account, or in the
session for anonymous visitors)."""
from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_login import current_user


def select_locale() -> str:
    config = current_app.config
    if not has_request_context():  # CLI commands, background work: the default language
        return config["BABEL_DEFAULT_LOCALE"]
    languages = config["LANGUAGES"]
    user = current_user._get_current_object()  # once: each use of the proxy looks the user up again
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    chosen = session.get("lang")
    return chosen if chosen in languages else config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
