"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import re

from flask import current_app, g, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from flask_login import current_user
from markupsafe import Markup, escape

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


# The layout's head links, header and footer are the same for every page of a language, signed in
# or not, and navigation state; only the CSRF token and the current path differ per request.
# Rendered once per such key and kept per app: a fragment is split at the placeholders, and a
# request joins the parts with its own (escaped) values — instead of a dozen url_for, translations
# and a Jinja loop each time.
_HOLE = re.compile("\x00(csrf_token|next_path)\x00")
_MAX_FRAGMENTS = 1000  # keys include the trainer's badge count; start over rather than grow


def _fragment(template: str, key: tuple, **context) -> list[str]:
    fragments = current_app.extensions.setdefault("layout_fragments", {})
    parts = fragments.get(key)
    if parts is None:
        html = current_app.jinja_env.get_template(template).render(
            site_name=current_app.config["SITE_NAME"], csrf_token="\x00csrf_token\x00", next_path="\x00next_path\x00", **context)
        parts = _HOLE.split(html)  # literal, hole name, literal, …
        if len(fragments) >= _MAX_FRAGMENTS:
            fragments.clear()
        fragments[key] = parts
    return parts


def layout_header() -> Markup:
    from app.navigation import entries_for_current_user, state_for_current_user
    from app.security import csrf_token

    locale = str(get_locale())
    signed_in = bool(getattr(current_user._get_current_object(), "is_authenticated", False))
    key = ("header", locale, request.script_root, signed_in, state_for_current_user())
    parts = _fragment("layout/header.html", key, locale=locale, signed_in=signed_in,
                      entries=entries_for_current_user)  # called only when the key is new
    values = {"csrf_token": csrf_token(), "next_path": request.full_path if request.query_string else request.path}
    return Markup("".join(str(escape(values[part])) if n % 2 else part for n, part in enumerate(parts)))


def layout_head() -> Markup:
    return Markup("".join(_fragment("layout/head.html", ("head", request.script_root))))


def layout_footer() -> Markup:
    return Markup("".join(_fragment("layout/footer.html", ("footer", str(get_locale()), request.script_root))))


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
    app.jinja_env.globals["layout_head"] = layout_head
    app.jinja_env.globals["layout_header"] = layout_header
    app.jinja_env.globals["layout_footer"] = layout_footer

    @app.context_processor
    def layout_context():
        user = current_user._get_current_object()
        return {
            "site_name": app.config["SITE_NAME"],
            "current_locale": str(get_locale()),
            "is_admin": getattr(user, "is_authenticated", False) and user.role == Role.ADMIN,
        }
