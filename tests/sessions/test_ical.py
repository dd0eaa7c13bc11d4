"""iCalendar files (app.sessions.ical, written with `icalendar`), parsed back with `icalendar` and
with `ical`, a second, independent and strict RFC 5545 parser (pydantic models)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream

from app.sessions import ical
from app.sessions.times import berlin_to_utc
from tests.sessions.conftest import add_session, berlin

BERLIN = ZoneInfo("Europe/Berlin")


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "every line ends in CRLF"
    return body[:-2].split(b"\r\n")


def both_parsers(body: bytes):
    """The calendar as `icalendar` and as `ical` read it (either raises on a malformed file)."""
    return icalendar.Calendar.from_ical(body), IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))


TRICKY = [
    pytest.param("Workshop; Daten, Plattformen & Bürgerbeteiligung", id="semicolon-comma-umlaut"),
    pytest.param("Zeile eins\nZeile zwei mit \\ Backslash; Semikolon, Komma\nEnde", id="newlines-backslash"),
    pytest.param("Äußerst lange Überschrift – " * 12, id="long-multibyte"),
    pytest.param("a" * 74 + "ü" + "b" * 80, id="umlaut-on-the-fold"),
    pytest.param("Grüße an Zoë, Øresund; Łódź: 東京 ✓ 🎓", id="beyond-latin1"),
]


@pytest.mark.parametrize("text", TRICKY)
def test_text_survives_both_parsers_and_lines_are_folded_without_breaking_characters(text):
    event = ical.Event(
        uid="abc@smart-city-campus", sequence=2, starts_at=datetime(2027, 3, 1, 8, tzinfo=timezone.utc),
        ends_at=datetime(2027, 3, 1, 12, tzinfo=timezone.utc), summary=text,
        description=text.replace("\n", "\r\n") + "\r" + "Beschreibung, lang; " * 40,
        location=text, url="https://campus.example.org/termine/1",
    )
    body = ical.calendar([event], f"Termine {text}", datetime(2027, 1, 1, tzinfo=timezone.utc))
    lines = physical_lines(body)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long description must be folded"
    for line in lines:
        line.decode("utf-8")  # no line ends inside a multi-byte character
    description = text + "\n" + "Beschreibung, lang; " * 40
    first, second = both_parsers(body)
    [vevent] = first.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == text
    assert str(vevent["DESCRIPTION"]) == description
    assert str(vevent["LOCATION"]) == text
    assert str(vevent["UID"]) == "abc@smart-city-campus"
    assert int(vevent["SEQUENCE"]) == 2
    assert vevent["DTSTAMP"].dt == datetime(2027, 1, 1, tzinfo=timezone.utc)
    # X- properties default to TEXT (RFC 5545 §3.8.8.2), so the name is escaped; both parsers hand
    # X- properties back undecoded, so compare the escaped form
    escaped = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    assert str(first["X-WR-CALNAME"]) == f"Termine {escaped}"
    [event2] = second.events
    assert (event2.summary, event2.description, event2.location) == (text, description, text)
    assert (event2.uid, event2.sequence, event2.url) == ("abc@smart-city-campus", 2, "https://campus.example.org/termine/1")
    assert event2.dtstart == datetime(2027, 3, 1, 8, tzinfo=timezone.utc)
    assert event2.dtstamp == datetime(2027, 1, 1, tzinfo=timezone.utc)


def test_control_characters_are_dropped_and_a_url_cannot_add_a_property():
    event = ical.Event(
        uid="x@campus", sequence=0, starts_at=datetime(2027, 3, 1, 8, tzinfo=timezone.utc),
        ends_at=datetime(2027, 3, 1, 9, tzinfo=timezone.utc), summary="Bell\x07 and\x00 null\ttab",
        url="https://campus.example.org/x\r\nATTENDEE:mailto:evil@example.org",
    )
    body = ical.calendar([event], "Termine", datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert b"\x07" not in body and b"\x00" not in body
    first, second = both_parsers(body)
    [vevent] = first.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Bell and null\ttab"
    assert "ATTENDEE" not in vevent
    assert not second.events[0].attendees


def test_naive_times_are_refused():
    event = ical.Event(uid="x", sequence=0, starts_at=datetime(2027, 3, 1, 8), ends_at=datetime(2027, 3, 1, 9), summary="x")
    with pytest.raises(ValueError):
        ical.calendar([event], "Termine", datetime(2027, 1, 1, tzinfo=timezone.utc))


def test_times_are_berlin_wall_clock_with_a_vtimezone_that_agrees_with_zoneinfo():
    # sessions on both sides of both changes, over a year boundary: March and October 2027, January 2028
    starts = [berlin(2027, 3, 25, 9), berlin(2027, 4, 1, 9), berlin(2027, 10, 28, 18), berlin(2027, 11, 4, 18),
              berlin(2028, 1, 13, 9, 30)]
    events = [ical.Event(uid=f"s{i}@campus", sequence=0, starts_at=s, ends_at=s + timedelta(hours=2), summary=f"T{i}")
              for i, s in enumerate(starts)]
    body = ical.calendar(events, "Termine", datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert b"DTSTART;TZID=Europe/Berlin:20270325T090000\r\n" in body
    assert b"DTSTART;TZID=Europe/Berlin:20270401T090000\r\n" in body
    first, second = both_parsers(body)
    [vtimezone] = first.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Berlin"
    assert first.get_missing_tzids() == set()
    rules = vtimezone.to_tz()  # the offsets a client without a zoneinfo database reads from the file
    for start, vevent, event2 in zip(starts, first.walk("VEVENT"), second.events):
        assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
        local = vevent["DTSTART"].dt.replace(tzinfo=None)
        assert local == start.astimezone(BERLIN).replace(tzinfo=None)
        assert rules.utcoffset(local) == BERLIN.utcoffset(local)
        assert event2.dtstart == start and event2.dtend - event2.dtstart == timedelta(hours=2)
    assert [tz.tz_id for tz in second.timezones] == ["Europe/Berlin"]


def test_wall_clock_times_map_to_utc_across_the_dst_change():
    # Germany switches to summer time on 28 March 2027
    assert berlin_to_utc(datetime(2027, 3, 25).date(), datetime(2027, 3, 25, 9).time()).hour == 8
    assert berlin_to_utc(datetime(2027, 4, 1).date(), datetime(2027, 4, 1, 9).time()).hour == 7


def test_cohort_feed_parses_back_with_correct_times_across_dst(app, db, make, browser, cohort, module):
    before = add_session(cohort, starts_at=berlin(2027, 3, 25, 9), title="Workshop 4", module=module)
    after = add_session(cohort, starts_at=berlin(2027, 4, 1, 9), title="Workshop 5, vor Ort; Raum 2",
                        materials="Bitte **Laptop** mitbringen.")
    enrolment = make.enrolment(cohort=cohort)
    db.session.commit()
    browser.login(enrolment.user)
    response = browser.get(f"/kohorten/{cohort.id}/termine.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert max(len(line) for line in physical_lines(body)) <= 75
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and calendar.get("PRODID")
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {before.uid, after.uid}
    for session in (before, after):
        event = events[session.uid]
        start = event["DTSTART"].dt
        assert start.tzinfo is not None and start.strftime("%H:%M") == "09:00"  # Berlin wall clock
        assert start == session.starts_at
        assert event["DTEND"].dt - start == session.ends_at - session.starts_at
        assert event.get("DTSTAMP") is not None
    assert events[before.uid]["DTSTART"].dt.astimezone(timezone.utc).hour == 8  # CET, UTC+1
    assert events[after.uid]["DTSTART"].dt.astimezone(timezone.utc).hour == 7   # CEST, UTC+2
    second = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    assert {e.uid: e.dtstart for e in second.events} == {before.uid: before.starts_at, after.uid: after.starts_at}
    assert str(events[after.uid]["SUMMARY"]) == "Workshop 5, vor Ort; Raum 2"
    assert "Bitte **Laptop** mitbringen." in str(events[after.uid]["DESCRIPTION"])
    assert "Grundlagen" in str(events[before.uid]["DESCRIPTION"])


def test_single_session_file_and_sequence_after_an_edit(app, db, make, browser, cohort, trainer):
    session = add_session(cohort, starts_at=berlin(2027, 10, 28, 10), title="Workshop 9")
    db.session.commit()
    browser.login(trainer)
    page = browser.get(f"/termine/{session.id}/bearbeiten")
    assert page.status_code == 200
    response = browser.post(f"/termine/{session.id}/bearbeiten", {
        "title": "Workshop 9 (verschoben)", "day": "2027-11-04", "start_time": "10:30", "duration_minutes": "90",
        "mode": "on_site", "location": "Kreishaus, Saal A, Beeskow", "module_id": "0", "materials": "",
    })
    assert response.status_code == 302
    body = browser.get(f"/termine/{session.id}/termin.ics").get_data()
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == session.uid
    assert event["DTSTART"].dt.astimezone(BERLIN) == datetime(2027, 11, 4, 10, 30, tzinfo=BERLIN)
    assert event["DTEND"].dt - event["DTSTART"].dt == (datetime(2027, 1, 1, 12) - datetime(2027, 1, 1, 10, 30))
    assert str(event["LOCATION"]) == "Kreishaus, Saal A, Beeskow"
