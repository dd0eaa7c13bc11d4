"""Reads for deciding certificates: what an enrolment has done against what its course asks for,
and whose certificate waits only for a trainer's approval."""
from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.certificates.eligibility import awaits_approval
from app.certificates.models import Certificate, CompletionApproval
from app.cohorts.models import Enrolment, EnrolmentStatus
from app.extensions import db
from app.progress.models import ItemType
from app.progress.services import done_items, required_items


def completion_state(enrolment: Enrolment, required: set | None = None) -> dict:
    """The arguments of `eligibility.is_eligible` except the approval, from stored progress.
    `required`: the course's required items, when the caller has them already."""
    course = enrolment.cohort.course
    rules = course.completion or {}
    if required is None:
        required = set().union(*required_items(course).values())
    done = done_items(enrolment.id)
    attendance = None
    if rules.get("min_attendance"):
        from app.sessions.queries import enrolment_attendance

        attendance = enrolment_attendance(enrolment, clock.now())
    return {"required": required, "done": done, "course_complete": (ItemType.COURSE, course.id) in done, "rules": rules,
            "attendance": attendance}


def is_approved(enrolment: Enrolment) -> bool:
    return db.session.get(CompletionApproval, enrolment.id) is not None


def awaiting_approval(enrolments: list[Enrolment]) -> set[int]:
    """Ids of the enrolments whose certificate waits for nothing but a trainer's approval.

    Only enrolments of courses that ask for approval and whose learner completed the course are
    checked in full (a few queries each); all others cost nothing."""
    candidates = [
        e for e in enrolments
        if (e.cohort.course.completion or {}).get("trainer_approval") and e.completed_at is not None
        and e.status != EnrolmentStatus.WITHDRAWN
    ]
    if not candidates:
        return set()
    ids = [e.id for e in candidates]
    settled = set(db.session.scalars(select(CompletionApproval.enrolment_id).where(CompletionApproval.enrolment_id.in_(ids))))
    settled |= set(db.session.scalars(select(Certificate.enrolment_id).where(Certificate.enrolment_id.in_(ids))))
    required_by_course: dict[int, set] = {}
    result = set()
    for enrolment in candidates:
        if enrolment.id in settled:
            continue
        course = enrolment.cohort.course
        if course.id not in required_by_course:
            required_by_course[course.id] = set().union(*required_items(course).values())
        if awaits_approval(**completion_state(enrolment, required_by_course[course.id])):
            result.add(enrolment.id)
    return result
