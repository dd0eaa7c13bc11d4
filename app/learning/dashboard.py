"""What the learner's dashboard reads besides progress: upcoming due dates and new feedback.

A fixed number of queries whatever the number of enrolments, modules or submissions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from app.assignments import rules
from app.assignments.models import Grading, Submission, SubmissionStatus, SubmissionVersion
from app.catalogue.models import Assignment, Module
from app.cohorts.models import Enrolment
from app.cohorts.schedule import module_release_dates
from app.extensions import db
from app.learning.outline import OutlineAssignment, OutlineCourse

DONE = (SubmissionStatus.PASSED, SubmissionStatus.FAILED)


@dataclass(frozen=True)
class DueItem:
    enrolment: Enrolment
    assignment: OutlineAssignment
    due_on: date
    status: SubmissionStatus | None


@dataclass(frozen=True)
class Feedback:
    enrolment_id: int
    assignment: Assignment
    decision: str
    points: float
    max_points: float
    graded_at: datetime


# Built once: building these statements with their loader options per request cost about as
# much as running them.
_STATUSES = select(Submission.enrolment_id, Submission.assignment_id, Submission.status).where(
    Submission.enrolment_id.in_(bindparam("enrolment_ids", expanding=True)))
_FEEDBACK = (
    select(Grading, Submission.enrolment_id, Assignment)
    .join(SubmissionVersion, Grading.version_id == SubmissionVersion.id)
    .join(Submission, SubmissionVersion.submission_id == Submission.id)
    .join(Assignment, Submission.assignment_id == Assignment.id)
    .join(Module, Assignment.module_id == Module.id)
    .where(Submission.enrolment_id.in_(bindparam("enrolment_ids", expanding=True)))
    .options(contains_eager(Assignment.module))
    .order_by(Grading.created_at.desc(), Grading.id.desc()).limit(bindparam("limit"))
)


def upcoming_due(enrolments: list[Enrolment], outlines: dict[int, OutlineCourse], limit: int = 5) -> list[DueItem]:
    """Assignments not yet passed or failed, by due date (overdue ones first).

    One statement: the enrolments' submission statuses. The assignments come from the outline
    of each course version, and each cohort's release dates are worked out once (the due date is
    the day the module opens plus the assignment's due days, as in assignments.services.due_date_for)."""
    if not enrolments:
        return []
    statuses = {(enrolment_id, assignment_id): status for enrolment_id, assignment_id, status
                in db.session.execute(_STATUSES, {"enrolment_ids": [e.id for e in enrolments]})}
    items = []
    for enrolment in enrolments:
        modules = [m for m in outlines[enrolment.cohort.course_id].modules if m.archived_at is None]
        opens_on = None
        for module in modules:
            for assignment in module.assignments:
                if assignment.archived_at is not None or assignment.due_days is None:
                    continue
                status = statuses.get((enrolment.id, assignment.id))
                if status in DONE:
                    continue
                if opens_on is None:
                    opens_on = module_release_dates(enrolment.cohort, modules)
                items.append(DueItem(enrolment, assignment, rules.due_date(opens_on[module.id], assignment.due_days), status))
    return sorted(items, key=lambda item: item.due_on)[:limit]


def latest_feedback(enrolments: list[Enrolment], limit: int = 5) -> list[Feedback]:
    if not enrolments:
        return []
    rows = db.session.execute(_FEEDBACK, {"enrolment_ids": [e.id for e in enrolments], "limit": limit}).all()
    return [Feedback(enrolment_id, assignment, grading.decision.value, grading.points, grading.max_points, grading.created_at)
            for grading, enrolment_id, assignment in rows]


