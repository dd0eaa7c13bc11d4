"""The arithmetic of the agency's figures: adding up counts, the median from a histogram, periods,
coverage. Pure — no Flask, no database. Which figures are hidden: app.reporting.disclosure."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Iterable

GRANULARITIES = ("month", "quarter", "year")


SUPPRESSED_MARK = "•"  # as in the tables of the statistical offices: "secret", without saying why


@dataclass(frozen=True)
class Suppressed:
    """A figure not shown: about fewer than `threshold` people, or one that would let such a
    figure be recomputed (app.reporting.disclosure). Both read the same, so that nobody can
    tell which of the hidden cells is the small one."""

    threshold: int

    def __str__(self) -> str:
        return SUPPRESSED_MARK


@dataclass
class Counts:
    """The four headline counts of one group (a Land, a district, a cohort, …).

    enrolled: enrolments (without open invitations) whose enrolment date lies in the period;
    completed: enrolments completed in the period; certified: enrolments whose first certificate
    was issued in the period and that hold a valid one; active: enrolments in progress with a
    completion event in the last days (a state "now", independent of the period);
    completed_of_enrolled: of `enrolled`, how many have completed (for the completion rate)."""

    enrolled: int = 0
    active: int = 0
    completed: int = 0
    certified: int = 0
    completed_of_enrolled: int = 0

    def add(self, other: "Counts") -> "Counts":
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


def median_from_histogram(histogram: dict[int, int]):
    """The median of values given as {value: how often}; None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:  # 0-based
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        raise IndexError(n)

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def median_days(histogram: dict[int, int], threshold: int):
    total = sum(histogram.values())
    if 0 < total < threshold:
        return Suppressed(threshold)
    return median_from_histogram(histogram)


def period_of(month: str, granularity: str) -> str:
    """"2026-05" → "2026-05" (month), "2026-Q2" (quarter) or "2026" (year)."""
    year, number = month[:4], int(month[5:7])
    if granularity == "year":
        return year
    if granularity == "quarter":
        return f"{year}-Q{(number - 1) // 3 + 1}"
    return month


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), so a chart shows gaps as zero."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    result = []
    while (year, month) <= end:
        result.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return result


def by_period(monthly: dict[str, int], granularity: str, fill: bool = True) -> list[tuple[str, int]]:
    """Monthly counts summed into periods, in order; with `fill`, periods without any are zero."""
    if not monthly:
        return []
    months = months_between(min(monthly), max(monthly)) if fill else sorted(monthly)
    result: dict[str, int] = {}
    for month in months:
        key = period_of(month, granularity)
        result[key] = result.get(key, 0) + monthly.get(month, 0)
    return list(result.items())


@dataclass
class Coverage:
    """Districts of one Land with and without at least one certified manager."""

    land: str
    covered: list[str] = field(default_factory=list)  # AGS
    uncovered: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.uncovered)

    @property
    def share(self) -> float | None:
        return len(self.covered) / self.total if self.total else None


def coverage(lands: Iterable[str], districts_of_land, certified_by_district: dict[str, int]) -> list[Coverage]:
    """For each Land, which of its districts have a certified manager. `districts_of_land(code)`
    gives the AGS keys of a Land."""
    result = []
    for land in sorted(lands):
        entry = Coverage(land)
        for ags in districts_of_land(land):
            (entry.covered if certified_by_district.get(ags, 0) > 0 else entry.uncovered).append(ags)
        result.append(entry)
    return result
