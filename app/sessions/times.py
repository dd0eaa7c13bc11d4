"""Session times: entered and shown as Europe/Berlin wall-clock time, stored in UTC. Pure."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time in Germany. A time that does not exist (the hour the
    clocks skip in March) moves forward by the gap; an ambiguous one (October) is the first."""
    local = datetime.combine(day, at.replace(tzinfo=None)).replace(tzinfo=BERLIN, fold=0)
    return local.astimezone(timezone.utc)


def utc_to_berlin(value: datetime) -> datetime:
    return value.astimezone(BERLIN)
