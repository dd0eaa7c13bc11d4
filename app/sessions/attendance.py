"""Attendance arithmetic. Pure: no Flask, no DB.

A learner's attendance is the share of *held* sessions (those that have begun) at which they were
recorded present. Excused absences are shown but count as not attended: a minimum of 80 % allows
one missed morning in five, whatever the reason. A cohort without held sessions has nothing to
attend, so a minimum is met."""
from __future__ import annotations

from dataclasses import dataclass

PRESENT, EXCUSED, ABSENT = "present", "excused", "absent"
STATUSES = (PRESENT, EXCUSED, ABSENT)


@dataclass(frozen=True)
class Summary:
    held: int
    present: int = 0
    excused: int = 0
    absent: int = 0

    @property
    def unrecorded(self) -> int:
        return self.held - self.present - self.excused - self.absent

    @property
    def percent(self) -> int | None:
        """Rounded down, so a shown 80 % is never below an 80 % minimum; None without held sessions."""
        if not self.held:
            return None
        return 100 * self.present // self.held

    def meets(self, minimum: float | int | None) -> bool:
        if not minimum:
            return True
        if not self.held:
            return True
        return self.present * 100 >= float(minimum) * self.held


def summarise(held_session_ids: set[int] | frozenset[int], statuses: dict[int, str]) -> Summary:
    """`statuses`: session id → status value for one learner; sessions not held are ignored."""
    counted = [statuses[s] for s in held_session_ids if s in statuses]
    return Summary(
        held=len(held_session_ids),
        present=counted.count(PRESENT),
        excused=counted.count(EXCUSED),
        absent=counted.count(ABSENT),
    )


def minimum_attendance(completion_rules: dict | None) -> float | None:
    """The course's `completion.min_attendance` in percent, or None when the course sets none."""
    value = (completion_rules or {}).get("min_attendance")
    if value in (None, "", 0):
        return None
    return float(value)
