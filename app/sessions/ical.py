"""iCalendar (RFC 5545) files for sessions: one event, or a cohort's feed. Pure: no Flask, no DB.

Times are written in UTC (`…Z`), which every calendar converts to its own zone, so no VTIMEZONE
block is needed and a daylight-saving change between two sessions cannot shift either of them.
Text values are escaped (§3.3.11) and lines folded at 75 octets without splitting a UTF-8
character (§3.1); lines end in CRLF."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

PRODID = "-//Smart City Campus//Termine//DE"
MAX_OCTETS = 75
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


def escape_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def format_utc(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime in an iCalendar file")
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """One content line, folded: no physical line longer than 75 octets (CRLF not counted);
    continuation lines start with a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # the leading space takes one octet
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _uri(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r", "").replace("\n", ""))


def _event_lines(event: Event, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{stamp}",
        f"SEQUENCE:{int(event.sequence)}",
        f"DTSTART:{format_utc(event.starts_at)}",
        f"DTEND:{format_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{_uri(event.url)}")
    if event.last_modified:
        lines.append(f"LAST-MODIFIED:{format_utc(event.last_modified)}")
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def calendar(events: list[Event], name: str, now: datetime) -> bytes:
    """A complete VCALENDAR with the given events; `now` is the DTSTAMP of every event."""
    stamp = format_utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
