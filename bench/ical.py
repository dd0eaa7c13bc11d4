"""Benchmark: generating iCalendar files (app/sessions/ical.py), no database, no Flask.

    .venv/bin/python -m bench.ical [--repeat 7] [--number 200]

Times `ical.calendar` for one session (the "termin.ics" download) and for a cohort feed of 40
sessions (a long programme's "termine.ics"), with German text that needs escaping and folding.
Prints the median of --repeat runs of --number calls each, in CPU milliseconds per file."""
from __future__ import annotations

import argparse
import statistics
import time
import timeit
from datetime import datetime, timedelta, timezone

from app.sessions import ical

DESCRIPTION = ("Modul: Offene urbane Datenplattformen; Kohorte: Brandenburg, Frühjahr 2027\n\n"
               "Bitte bringen Sie Ihren Laptop mit. Unterlagen: Präsentation, Checkliste, "
               "Übungsblatt – alles im Kursraum.\n\nDetails: https://campus.example.org/termine/17")


def events(count: int) -> list[ical.Event]:
    start = datetime(2027, 1, 12, 8, tzinfo=timezone.utc)
    return [
        ical.Event(
            uid=f"session-{i}@campus.example.org", sequence=i % 3,
            starts_at=start + timedelta(weeks=i), ends_at=start + timedelta(weeks=i, hours=3),
            summary=f"Workshop {i}: Daten, Plattformen; Bürgerbeteiligung", description=DESCRIPTION,
            location="Rathaus Potsdam, Saal 2; Friedrich-Ebert-Straße 79/81",
            url=f"https://campus.example.org/termine/{i}", last_modified=start,
        )
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args()
    now = datetime(2027, 1, 1, tzinfo=timezone.utc)
    print("| file | CPU ms per file (median of %d × %d) | size |" % (args.repeat, args.number))
    print("|---|---|---|")
    for label, batch in (("one session", events(1)), ("cohort feed, 40 sessions", events(40))):
        ical.calendar(batch, "Termine", now)  # warm caches
        runs = timeit.repeat(lambda: ical.calendar(batch, "Termine", now), repeat=args.repeat, number=args.number,
                             timer=time.process_time)  # CPU time: the machine is shared
        size = len(ical.calendar(batch, "Termine", now))
        print(f"| {label} | {statistics.median(runs) / args.number * 1000:.3f} | {size / 1024:.1f} KB |")


if __name__ == "__main__":
    main()
