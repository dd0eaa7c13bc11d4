"""iCalendar files: written by hand (app.sessions.ical), parsed back with the `icalendar` package."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import icalendar

from app.sessions import ical
from app.sessions.times import berlin_to_utc
from tests.sessions.conftest import add_session, berlin

BERLIN = ZoneInfo("Europe/Berlin")


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def test_text_is_escaped_and_lines_are_folded_without_breaking_characters():
    summary = "Workshop; Daten, Plattformen & Bürgerbeteiligung – " + "Äußerst lange Überschrift " * 6
    description = "Zeile eins\nZeile zwei mit \\ Backslash; Semikolon, Komma\r\nEnde"
    event = ical.Event(
        uid="abc@smart-city-campus", sequence=2, starts_at=datetime(2027, 3, 1, 8, tzinfo=timezone.utc),
        ends_at=datetime(2027, 3, 1, 12, tzinfo=timezone.utc), summary=summary, description=description,
        location="Rathaus, Saal 2; Potsdam",
    )
    body = ical.calendar([event], "Termine", datetime(2027, 1, 1, tzinfo=timezone.utc))
    lines = physical_lines(body)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long summary must be folded"
    for line in lines:
        line.decode("utf-8")  # no line ends inside a multi-byte character
    parsed = icalendar.Calendar.from_ical(body)
    [vevent] = parsed.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == summary
    assert str(vevent["DESCRIPTION"]) == description.replace("\r\n", "\n")
    assert str(vevent["LOCATION"]) == "Rathaus, Saal 2; Potsdam"
    assert str(vevent["UID"]) == "abc@smart-city-campus"
    assert int(vevent["SEQUENCE"]) == 2
    assert vevent["DTSTAMP"].dt == datetime(2027, 1, 1, tzinfo=timezone.utc)


def test_escape_text_handles_each_special_character():
    assert ical.escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


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
        assert start.utcoffset().total_seconds() == 0  # written in UTC
        assert start.astimezone(BERLIN).strftime("%H:%M") == "09:00"
        assert event["DTEND"].dt - start == session.ends_at - session.starts_at
        assert event.get("DTSTAMP") is not None
    assert events[before.uid]["DTSTART"].dt.hour == 8  # CET, UTC+1
    assert events[after.uid]["DTSTART"].dt.hour == 7   # CEST, UTC+2
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
