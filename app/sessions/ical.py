"""iCalendar (RFC 5545) files for sessions: one event, or a cohort's feed. Pure: no Flask, no DB.

Written with the `icalendar` library, which does the escaping (§3.3.11), the folding at 75 octets
without splitting a UTF-8 character (§3.1) and the CRLF line ends. Start and end are written as
Europe/Berlin wall-clock times with a VTIMEZONE for Europe/Berlin (generated from the zoneinfo
database for the years the events span), which is what Outlook, Thunderbird and Google Calendar
write themselves: the entry shows "09:00 Berlin" in every calendar, and a daylight-saving change
between two sessions shifts neither. DTSTAMP and LAST-MODIFIED are UTC, as §3.8.7 requires."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import icalendar

PRODID = "-//Smart City Campus//Termine//DE"
BERLIN = ZoneInfo("Europe/Berlin")
# Control characters are not allowed in TEXT values (§3.3.11) and icalendar passes them through.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Event:
    uid: str
    sequence: int
    starts_at: datetime  # timezone-aware
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str | None = None
    last_modified: datetime | None = None


def _text(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime in an iCalendar file")
    return value


def _utc(value: datetime) -> datetime:
    return _aware(value).astimezone(timezone.utc)


@lru_cache(maxsize=16)
def _berlin(first_year: int, last_year: int) -> icalendar.Timezone:
    """VTIMEZONE for Europe/Berlin covering 1 January `first_year` to 1 January `last_year`
    (building it walks the zoneinfo transitions, so it is built once per span)."""
    import icalendar

    return icalendar.Timezone.from_tzinfo(BERLIN, tzid="Europe/Berlin",
                                          first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1))


def _vevent(event: Event, now: datetime) -> icalendar.Event:
    import icalendar

    vevent = icalendar.Event()
    vevent.add("uid", _text(event.uid))
    vevent.add("dtstamp", now)
    vevent.add("sequence", int(event.sequence))
    vevent.add("dtstart", _aware(event.starts_at).astimezone(BERLIN))
    vevent.add("dtend", _aware(event.ends_at).astimezone(BERLIN))
    vevent.add("summary", _text(event.summary))
    if event.location:
        vevent.add("location", _text(event.location))
    if event.description:
        vevent.add("description", _text(event.description))
    if event.url:
        vevent.add("url", _CONTROL.sub("", event.url.replace("\r", "").replace("\n", "")))
    if event.last_modified:
        vevent.add("last-modified", _utc(event.last_modified))
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def calendar(events: list[Event], name: str, now: datetime) -> bytes:
    """A complete VCALENDAR with the given events; `now` is the DTSTAMP of every event."""
    import icalendar  # here, not at the top: only the workers that serve a calendar file pay its memory

    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # an X- property is untyped for icalendar, so it would be written unescaped: say it is TEXT
    cal.add("x-wr-calname", icalendar.vText(_text(name)))
    now = _utc(now)
    if events:
        years = [e.starts_at.astimezone(BERLIN).year for e in events] + [e.ends_at.astimezone(BERLIN).year for e in events]
        cal.add_component(_berlin(min(years), max(years) + 1))
    for event in events:
        cal.add_component(_vevent(event, now))
    return cal.to_ical()
