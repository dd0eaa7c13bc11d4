"""What the learner's dashboard reads besides progress: upcoming due dates and new feedback.

A fixed number of queries whatever the number of enrolments, modules or submissions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager, load_only

from app.assignments.models import Grading, Submission, SubmissionStatus, SubmissionVersion
from app.catalogue.models import Assignment, Module
from app.cohorts.models import Cohort, Enrolment
from app.extensions import db

DONE = (SubmissionStatus.PASSED, SubmissionStatus.FAILED)


@dataclass(frozen=True)
class DueItem:
    enrolment: Enrolment
    assignment: Assignment
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
_DUE = (
    select(Enrolment.id, Assignment, Submission.status).join(Assignment.module)
    .join(Cohort, Cohort.course_id == Module.course_id).join(Enrolment, Enrolment.cohort_id == Cohort.id)
    .outerjoin(Submission, (Submission.enrolment_id == Enrolment.id) & (Submission.assignment_id == Assignment.id))
    .where(Enrolment.id.in_(bindparam("enrolment_ids", expanding=True)), Module.archived_at.is_(None), Assignment.archived_at.is_(None))
    .options(contains_eager(Assignment.module),  # the columns the list shows, not the instructions
             load_only(Assignment.id, Assignment.module_id, Assignment.slug, Assignment.title, Assignment.settings))
)
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


def upcoming_due(enrolments: list[Enrolment], limit: int = 5) -> list[DueItem]:
    """Assignments not yet passed or failed, by due date (overdue ones first).

    One statement: each enrolment's assignments with its submission's status. The modules and
    courses come from the session (the dashboard loaded the courses with their modules)."""
    if not enrolments:
        return []
    from app.assignments.services import due_date_for

    by_id = {e.id: e for e in enrolments}
    rows = db.session.execute(_DUE, {"enrolment_ids": list(by_id)}).all()
    items = []
    for enrolment_id, assignment, status in rows:
        if status in DONE:
            continue
        enrolment = by_id[enrolment_id]
        due_on = due_date_for(enrolment.cohort, assignment)
        if due_on:
            items.append(DueItem(enrolment, assignment, due_on, status))
    return sorted(items, key=lambda item: item.due_on)[:limit]


def latest_feedback(enrolments: list[Enrolment], limit: int = 5) -> list[Feedback]:
    if not enrolments:
        return []
    rows = db.session.execute(_FEEDBACK, {"enrolment_ids": [e.id for e in enrolments], "limit": limit}).all()
    return [Feedback(enrolment_id, assignment, grading.decision.value, grading.points, grading.max_points, grading.created_at)
            for grading, enrolment_id, assignment in rows]


