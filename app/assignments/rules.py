"""Rubric points, due dates and lateness. Pure: no Flask, no database."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


class RubricError(ValueError):
    """The chosen levels do not fit the rubric (a criterion without a level, an unknown level)."""


def max_points(rubric: list[dict]) -> float:
    return sum(max(level["points"] for level in criterion["levels"]) for criterion in rubric)


def score_rubric(rubric: list[dict], chosen: dict[str, int]) -> float:
    """Points for one level chosen per criterion; `chosen` maps criterion id → level index."""
    total = 0.0
    for criterion in rubric:
        index = chosen.get(criterion["id"])
        if index is None:
            raise RubricError(f"no level chosen for {criterion['id']}")
        if not isinstance(index, int) or not 0 <= index < len(criterion["levels"]):
            raise RubricError(f"unknown level {index!r} for {criterion['id']}")
        total += float(criterion["levels"][index]["points"])
    unknown = set(chosen) - {c["id"] for c in rubric}
    if unknown:
        raise RubricError(f"unknown criterion {sorted(unknown)[0]}")
    return total


def due_date(module_opens_on: date, due_days: int | None) -> date | None:
    """Due on the day `due_days` after the module opens for the cohort (None: no due date)."""
    if due_days is None:
        return None
    return module_opens_on + timedelta(days=int(due_days))


def is_late(submitted_at: datetime, due_on: date | None, timezone: str = "Europe/Berlin") -> bool:
    """Late when handed in after the end of the due day, in the cohort's local time."""
    if due_on is None:
        return False
    return submitted_at.astimezone(ZoneInfo(timezone)).date() > due_on
