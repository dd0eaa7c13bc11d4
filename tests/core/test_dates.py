"""The `date` and `datetime` template filters (app/templating.py) format fields through Babel but
remember them per day and per time of day: their text must be Flask-Babel's, byte for byte, in
both languages — across daylight saving changes, year and week boundaries, noon and midnight."""
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale, format_date, format_datetime

from app.templating import date_filter, datetime_filter

DATETIME_FORMATS = ("short", "medium", "long", "full", "EEE, dd.MM.yyyy, HH:mm", "EEEE, dd.MM.yyyy, HH:mm", "HH:mm",
                    "dd.MM.yyyy HH:mm", "h:mm a", "K:mm a, d. MMMM y 'um' H 'Uhr'", "YYYY-'W'ww-e, kk:mm:ss", "yy-MM-dd HH:mm:ss.SSS",
                    "MMM d, y G", "QQQ qqqq LLL", "100 %% d")
DATE_FORMATS = ("short", "medium", "long", "full", "dd.MM.yyyy", "EEEE, d. MMMM y", "d. MMM", "Y-ww", "D F", "'Datum:' dd.MM.")


def _instants() -> list:
    berlin_changes = [datetime(2026, 3, 29, 0, 0, tzinfo=timezone.utc), datetime(2026, 10, 25, 0, 0, tzinfo=timezone.utc),
                      datetime(2027, 3, 28, 0, 0, tzinfo=timezone.utc), datetime(2025, 10, 26, 0, 0, tzinfo=timezone.utc)]
    values = []
    for change in berlin_changes:  # every quarter of an hour across each change of Berlin's clocks
        values += [change + timedelta(minutes=15 * n, seconds=n) for n in range(-4, 13)]
    for year in (2024, 2025, 2026, 2027):  # year and ISO-week boundaries, both sides of midnight in Berlin
        for day in (date(year - 1, 12, 28), date(year - 1, 12, 31), date(year, 1, 1), date(year, 1, 4)):
            for hour, minute in ((0, 0), (11, 59), (12, 0), (22, 30), (23, 5), (23, 59)):
                values.append(datetime(day.year, day.month, day.day, hour, minute, 7, 123456, tzinfo=timezone.utc))
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    values += [start + timedelta(hours=37 * n, minutes=n, seconds=3 * n) for n in range(260)]  # a year and more, all hours
    values += [datetime(2026, 7, 1, 10, 0), datetime(2026, 12, 31, 23, 30)]  # naive: taken as UTC
    values += [datetime(2026, 7, 1, 1, 30, tzinfo=timezone(timedelta(hours=-5)))]  # another zone: the same instant in Berlin
    return values


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_filters_write_what_flask_babel_writes(app, locale):
    values = _instants()
    days = [value.date() for value in values[::3]] + [date(2026, 2, 28), date(2028, 2, 29)]
    with app.test_request_context("/"), force_locale(locale):
        for _round in range(2):  # the second round is answered from what the first remembered
            for fmt in DATETIME_FORMATS:
                for value in values:
                    assert datetime_filter(value, fmt) == format_datetime(value, fmt), (fmt, value)
            for fmt in DATE_FORMATS:
                for value in values + days:
                    assert date_filter(value, fmt) == format_date(value, fmt), (fmt, value)
        assert datetime_filter(None) == date_filter(None) == ""
        assert datetime_filter(date(2026, 5, 1), "short") == format_datetime(date(2026, 5, 1), "short")  # a date: Flask-Babel's way


def test_the_filters_follow_the_language_of_the_request(app):
    """Patterns are kept per locale: a mail in English inside a German request, and back; and a
    language changed within the request (Flask-Babel's refresh())."""
    from flask import render_template_string
    from flask_babel import refresh

    value = datetime(2026, 12, 6, 16, 35, tzinfo=timezone.utc)
    template = "{{ value | datetime('short') }} / {{ value | date }}"
    with app.test_request_context("/"):
        german = render_template_string(template, value=value)
        with force_locale("en"):
            english = render_template_string(template, value=value)
        assert render_template_string(template, value=value) == german
        # the user switches to English: the locale selector now answers "en", refresh() forgets the old one
        app.extensions["babel"].locale_selector, selector = (lambda: "en"), app.extensions["babel"].locale_selector
        try:
            refresh()
            assert render_template_string(template, value=value) == english
        finally:
            app.extensions["babel"].locale_selector = selector
    assert german == "06.12.26, 17:35 / 06.12.2026"
    assert english == "12/6/26, 5:35\u202fPM / Dec 6, 2026"


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_decimal_filter_writes_what_flask_babel_writes_in_each_language(app, locale):
    """app.templating.decimal_filter remembers format_decimal's text per language, value (by repr)
    and format: the same text as Flask-Babel's, twice (the second from memory), and the language
    of the moment — a German 1,5 is not an English 1.5."""
    from decimal import Decimal

    from flask_babel import format_decimal

    from app.templating import decimal_filter

    values = [0, 1, 2, 1.0, 1.5, 0.25, 1234567.891, -3, Decimal("1.50"), Decimal("2"), 10**7]
    with app.test_request_context("/"):
        with force_locale("de" if locale == "en" else "en"):
            for value in values:
                decimal_filter(value)  # remembered in the other language first
        with force_locale(locale):
            for _ in range(2):
                for value in values:
                    assert decimal_filter(value) == format_decimal(value), value
                assert decimal_filter(1.5, "#,##0.00") == format_decimal(1.5, "#,##0.00")
            assert decimal_filter(None) == ""
            assert decimal_filter(1.5) == ("1,5" if locale == "de" else "1.5")
