"""The one clock of the application: every "what time is it" in app/ asks here.

    from app import clock

    clock.now()     # aware datetime in UTC: timestamps, deadlines, expiry
    clock.today()   # the calendar day in Germany (Europe/Berlin): release dates, "Stand", file names

Tests (and a demo that plays a day ahead) set the time instead of waiting for it:

    with clock.frozen(datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)):
        ...

tests/core/test_clock.py walks app/ and fails when another module reads the wall clock itself
(datetime.now, date.today, time.time, ...). Monotonic timers that only measure intervals
(time.monotonic) are not the wall clock and stay where they are."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

PLATFORM_ZONE = ZoneInfo("Europe/Berlin")  # the platform serves German municipalities


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _source()


def today() -> date:
    """Today's date in the platform's time zone (Europe/Berlin), whatever the server's zone is."""
    return local_date(now())


def local_date(moment: datetime) -> date:
    """The calendar day in Germany at `moment` (aware): a certificate issued at 00:30 on
    1 January in Berlin is dated 1 January, not the UTC day before."""
    return moment.astimezone(PLATFORM_ZONE).date()


def timestamp() -> float:
    """Seconds since the epoch, for comparing with file times and rate-limit reset times."""
    return now().timestamp()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replaces the clock for the whole process (None: back to the system clock). `source` must
    return aware datetimes."""
    global _source
    _source = source or _system_now


@contextmanager
def frozen(moment: datetime) -> Iterator[Callable[..., None]]:
    """Time stands still at `moment` (aware) until the block ends. Yields `advance(**timedelta)`
    to move it on: `with clock.frozen(t) as advance: ...; advance(minutes=5)`."""
    if moment.tzinfo is None:
        raise ValueError("clock.frozen needs an aware datetime")
    current = [moment.astimezone(timezone.utc)]
    previous = _source

    def advance(**delta: float) -> None:
        current[0] += timedelta(**delta)

    set_source(lambda: current[0])
    try:
        yield advance
    finally:
        set_source(previous)
