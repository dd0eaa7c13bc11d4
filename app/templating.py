"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import g
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from flask_login import current_user

from app.accounts.models import Role


def _translations():
    """The translations for the locale in force, looked up once per request and locale.

    Flask-Babel's own lookup costs about 12 µs per `_()` (several context-local lookups and a
    locale-to-string conversion); a grading queue or a quiz calls it hundreds of times. The
    cache remembers the locale object it was made for, so force_locale() (a mail in the
    recipient's language) and refresh() — which put another object in place — still switch."""
    babel = getattr(g, "_flask_babel", None)
    locale = getattr(babel, "babel_locale", None)
    cached = getattr(g, "_template_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    g._template_translations = (getattr(getattr(g, "_flask_babel", None), "babel_locale", None), translations)
    return translations


def register_templating(app) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["decimal"] = lambda value, fmt=None: format_decimal(value, fmt) if value is not None else ""
    app.jinja_env.globals["Role"] = Role
    from app.navigation import entries_for_current_user

    app.jinja_env.globals["nav_entries"] = entries_for_current_user

    @app.context_processor
    def layout_context():
        return {
            "site_name": app.config["SITE_NAME"],
            "current_locale": str(get_locale()),
            "is_admin": getattr(current_user, "is_authenticated", False) and current_user.role == Role.ADMIN,
        }
