"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from babel.dates import DateTimeFormat, get_date_format, get_datetime_format, get_time_format, parse_pattern, tokenize_pattern
from flask import current_app, g, request
from flask_babel import format_date, format_datetime, format_decimal, get_babel, get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

from app.accounts.models import Role
from app.i18n import locale_name


def _translations():
    """The translations for the locale in force, looked up once per request and locale.

    Flask-Babel's own lookup costs about 12 µs per `_()` (several context-local lookups and a
    locale-to-string conversion); a grading queue or a quiz calls it hundreds of times. The
    cache remembers the locale object it was made for, so force_locale() (a mail in the
    recipient's language) and refresh() — which put another object in place — still switch."""
    request_globals = g._get_current_object()  # once: each attribute of the proxy `g` looks it up again (1 µs)
    locale = getattr(getattr(request_globals, "_flask_babel", None), "babel_locale", None)
    cached = getattr(request_globals, "_template_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    g._template_translations = (getattr(getattr(g, "_flask_babel", None), "babel_locale", None), translations)
    return translations


# ---------------------------------------------------------------- the date and datetime filters
#
# Flask-Babel's format_datetime costs about 45 µs a call (the locale's patterns looked up and parsed,
# a DateTimeFormat per call, a method dispatch per field); a grading queue or a matrix calls it for
# every row. The filters below give the same text — Babel still formats every field, and the test in
# tests/core/test_dates.py compares them with Flask-Babel — but resolve a pattern once per locale
# and format, and remember each field's text per local date and per time of day.

_DATE_FIELDS = frozenset("GyYuUQqMLwWdDFgEec")  # read only the day: year, month, day, weekday
_TIME_FIELDS = frozenset("aHhKkms")  # read only the hour, minute and second
_STANDARD = ("full", "long", "medium", "short")
_MAX_REMEMBERED = 4096  # per pattern and part; start over rather than grow


class _Pattern:
    """A Babel date/time pattern for one locale, formatted field by field through Babel's
    DateTimeFormat, with the date fields' texts remembered per day and the time fields' per
    (hour, minute, second)."""

    def __init__(self, locale, format_string: str, fields: set[str]):
        self.locale = locale
        self.format_string = format_string  # "%(dd)s.%(MM)s.%(yy)s, %(HH)s:%(mm)s"
        self.date_fields = tuple(f for f in fields if f[0] in _DATE_FIELDS)
        self.time_fields = tuple(f for f in fields if f[0] in _TIME_FIELDS)
        self.by_day: dict[date, dict] = {}
        self.by_time: dict[tuple, dict] = {}
        self.by_instant: dict[tuple, str] = {}

    def instant(self, value: datetime, tzinfo) -> str:
        """A datetime shown in `tzinfo`, as Flask-Babel converts it (naive means UTC; pytz zones are
        normalized). The text is remembered per instant: the time zone conversion alone costs more
        than the formatting, and a page shows the same timestamps on every view."""
        key = (value, tzinfo)
        text = self.by_instant.get(key)
        if text is None:
            local = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
            local = local.astimezone(tzinfo)
            text = self(tzinfo.normalize(local) if hasattr(tzinfo, "normalize") else local)
            if len(self.by_instant) >= _MAX_REMEMBERED:
                self.by_instant.clear()
            self.by_instant[key] = text
        return text

    def __call__(self, local: date) -> str:
        """`local`: a date, or a datetime already in the display time zone."""
        values = {}
        if self.date_fields:
            day = local.date() if isinstance(local, datetime) else local
            values = self.by_day.get(day)
            if values is None:
                values = self._remember(self.by_day, day, self.date_fields, day)
        if self.time_fields:
            moment = (local.hour, local.minute, local.second)
            times = self.by_time.get(moment)
            if times is None:
                times = self._remember(self.by_time, moment, self.time_fields, local)
            values = {**values, **times}
        return self.format_string % values

    def _remember(self, memory: dict, key, fields: tuple, value) -> dict:
        formatted = DateTimeFormat(value, self.locale)
        texts = {field: formatted[field] for field in fields}
        if len(memory) >= _MAX_REMEMBERED:
            memory.clear()
        memory[key] = texts
        return texts


def _compile(kind: str, fmt: str, locale) -> _Pattern | None:
    """`fmt` for `locale` as Flask-Babel and Babel resolve it, or None when the pattern has a field
    that reads more than the day and the time of day (time zone names, fractions of a second, day
    periods): those values go to Flask-Babel as before."""
    configured = get_babel().instance.date_formats.get(f"{kind}.{fmt}")  # Flask-Babel's own lookup
    if fmt in _STANDARD and configured is not None:
        fmt = configured
    if kind == "date":
        layout, parts, allowed = "{0}", [get_date_format(fmt, locale).pattern if fmt in _STANDARD else fmt], _DATE_FIELDS
    elif fmt in _STANDARD:  # Babel: the locale's datetime layout, {0} replaced by the time, then {1} by the date
        layout = get_datetime_format(fmt, locale).replace("'", "")
        parts, allowed = [get_time_format(fmt, locale).pattern, get_date_format(fmt, locale).pattern], _DATE_FIELDS | _TIME_FIELDS
    else:
        layout, parts, allowed = "{0}", [fmt], _DATE_FIELDS | _TIME_FIELDS
    fields = {value[0] * value[1] for part in parts for token, value in tokenize_pattern(part) if token == "field"}
    if any(field[0] not in allowed for field in fields):
        return None
    format_string = layout.replace("%", "%%")
    for n, part in enumerate(parts):
        format_string = format_string.replace(f"{{{n}}}", parse_pattern(part).format)
    return _Pattern(locale, format_string, fields)


def _date_context() -> tuple:
    """(locale, time zone, compiled patterns) of this request, kept on Flask-Babel's per-request
    namespace and looked up again when the locale object there changes (force_locale(), refresh())."""
    babel = getattr(g._get_current_object(), "_flask_babel", None)  # the proxy `g` resolved once
    cached = getattr(babel, "template_dates", None)
    if cached is not None and cached[0] is getattr(babel, "babel_locale", None) and cached[1] is getattr(babel, "babel_tzinfo", None):
        return cached
    locale, tzinfo = get_locale(), get_timezone()
    if locale is None:  # outside an app context: Flask-Babel decides, as before
        return None, None, {}
    # per app and locale: (kind, format) → _Pattern, or None for "Flask-Babel formats it"
    patterns = current_app.extensions.setdefault("date_patterns", {}).setdefault(str(locale), {})
    cached = g._flask_babel.template_dates = (locale, tzinfo, patterns)
    return cached


def _pattern(kind: str, fmt: str):
    locale, tzinfo, patterns = _date_context()
    key = (kind, fmt)
    pattern = patterns.get(key, False)
    if pattern is False:
        pattern = patterns[key] = _compile(kind, fmt, locale) if locale is not None else None
    return pattern, tzinfo


def _datetime_text(value, fmt: str, pattern, tzinfo) -> str:
    if pattern is None or not isinstance(value, datetime):
        return format_datetime(value, fmt)
    return pattern.instant(value, tzinfo)


def _date_text(value, fmt: str, pattern, tzinfo) -> str:
    if pattern is None:
        return format_date(value, fmt)
    return pattern.instant(value, tzinfo) if isinstance(value, datetime) else pattern(value)


def datetime_filter(value, fmt: str = "medium") -> str:
    return _datetime_text(value, fmt, *_pattern("datetime", fmt)) if value else ""


def datetime_formatter(fmt: str = "medium"):
    """The `datetime` filter for one format with this request's date context (locale, time zone,
    pattern) looked up once, for a view that formats many values: the filter looks it up per call
    (issue 17: the grading queue's rows). The same text as the filter; use it within the request
    and language it was made in (not across force_locale())."""
    pattern, tzinfo = _pattern("datetime", fmt)

    def format_value(value) -> str:
        return _datetime_text(value, fmt, pattern, tzinfo) if value else ""

    return format_value


def date_formatter(fmt: str = "medium"):
    """The `date` filter for one format, as datetime_formatter (the progress matrix's rows)."""
    pattern, tzinfo = _pattern("date", fmt)

    def format_value(value) -> str:
        return _date_text(value, fmt, pattern, tzinfo) if value else ""

    return format_value


def date_filter(value, fmt: str = "medium") -> str:
    return _date_text(value, fmt, *_pattern("date", fmt)) if value else ""


_MAX_DECIMALS = 4096  # formatted numbers remembered; start over rather than grow
_decimals: dict[tuple, str] = {}


def decimal_filter(value, fmt=None) -> str:
    """Flask-Babel's format_decimal, remembered per language, value and format: Babel looks up and
    applies the locale's number pattern on every call (about 35 µs; a quiz page formats its points
    labels, a grading queue every row's points). The value's repr is in the key, so 1, 1.0 and
    Decimal("1.50") are told apart."""
    if value is None:
        return ""
    key = (locale_name(), repr(value), fmt)
    text = _decimals.get(key)
    if text is None:
        text = format_decimal(value, fmt)
        if len(_decimals) >= _MAX_DECIMALS:
            _decimals.clear()
        _decimals[key] = text
    return text


def _install_eval_context_gettext(env) -> None:
    """`_()` and `ngettext()` in templates without a derived template context per call.

    Jinja's newstyle gettext is `pass_context`, and a `pass_context` function called inside a loop,
    or in a block after a `{% set %}`, gets a new Context (with its own EvalContext) built for it —
    that is most `_()` calls of a page (cProfile: 21 per quiz attempt page, about a thousand
    Python calls). They need only the autoescape flag, which `pass_eval_context` passes without
    a new context. Same result as Jinja's: translate, Markup when autoescaping, `%` the variables."""

    @pass_eval_context
    def gettext(eval_ctx, message, /, **variables):
        rv = _translations().ugettext(message)
        if eval_ctx.autoescape:
            rv = Markup(rv)
        # always a format string, as in Jinja; a text without variables and without "%" is its own
        # result (Markup's `%` with an empty dict costs half the call: most _() of a page)
        return rv % variables if variables or "%" in rv else rv

    @pass_eval_context
    def ngettext(eval_ctx, singular, plural, num, /, **variables):
        variables.setdefault("num", num)
        rv = _translations().ungettext(singular, plural, num)
        if eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)


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

    locale = locale_name()
    signed_in = bool(getattr(current_user._get_current_object(), "is_authenticated", False))
    key = ("header", locale, request.script_root, signed_in, state_for_current_user(locale))
    parts = _fragment("layout/header.html", key, locale=locale, signed_in=signed_in,
                      entries=entries_for_current_user)  # called only when the key is new
    values = {"csrf_token": csrf_token(), "next_path": request.full_path if request.query_string else request.path}
    return Markup("".join(str(escape(values[part])) if n % 2 else part for n, part in enumerate(parts)))


def layout_head() -> Markup:
    return Markup("".join(_fragment("layout/head.html", ("head", request.script_root))))


def layout_footer() -> Markup:
    return Markup("".join(_fragment("layout/footer.html", ("footer", locale_name(), request.script_root))))


def register_templating(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")  # {% do %}: filling a per-page dict without a `set`
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    _install_eval_context_gettext(app.jinja_env)
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["decimal"] = decimal_filter
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["layout_head"] = layout_head
    app.jinja_env.globals["layout_header"] = layout_header
    app.jinja_env.globals["layout_footer"] = layout_footer

    @app.context_processor
    def layout_context():
        user = current_user._get_current_object()
        return {
            "site_name": app.config["SITE_NAME"],
            "current_locale": locale_name(),
            "is_admin": getattr(user, "is_authenticated", False) and user.role == Role.ADMIN,
        }
