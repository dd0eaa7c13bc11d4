"""Whether an enrolment has earned its certificate: a pure function of stored progress."""
from __future__ import annotations


def is_eligible(required: set, done: set, course_complete: bool, rules: dict, trainer_approved: bool = False,
                attendance=None) -> bool:
    """`required`/`done` are sets of (item type, id). The course's completion rules decide which
    items are required (see progress.services.required_items); a trainer's approval is needed
    only where the course asks for it. Where the course sets `min_attendance` (percent),
    `attendance` (an `app.sessions.attendance.Summary`) must meet it; without it, it is not met."""
    if not required or not course_complete:
        return False
    if not required <= done:
        return False
    if rules.get("trainer_approval") and not trainer_approved:
        return False
    minimum = rules.get("min_attendance")
    if minimum and (attendance is None or not attendance.meets(minimum)):
        return False
    return True


def awaits_approval(required: set, done: set, course_complete: bool, rules: dict, trainer_approved: bool = False,
                    attendance=None) -> bool:
    """The course asks for a trainer's approval, it is not given yet, and it is the only thing
    missing. A trainer approves only then: an approval never stands in for unfinished work."""
    if not rules.get("trainer_approval") or trainer_approved:
        return False
    return is_eligible(required, done, course_complete, rules, True, attendance)
