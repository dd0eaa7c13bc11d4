"""What the learner's dashboard reads besides progress: upcoming due dates and new feedback.

A fixed number of queries whatever the number of enrolments, modules or submissions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.assignments import rules
from app.assignments.models import Grading, Submission, SubmissionStatus, SubmissionVersion
from app.catalogue.models import Assignment, Course, Module
from app.certificates.models import Certificate, CertificateStatus
from app.certificates.queries import awaiting_approval
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, ModuleRelease
from app.cohorts.schedule import module_release_dates
from app.db import aggregated_pairs, pairs, read_rows
from app.extensions import db
from app.learning.access import OPEN_STATUSES, Release
from app.learning.outline import OutlineAssignment, OutlineCourse
from app.progress.models import ItemType, ProgressItem

DONE = (SubmissionStatus.PASSED, SubmissionStatus.FAILED)


@dataclass(eq=False)
class DashboardCourse:
    id: int
    slug: str
    title: str
    content_hash: str  # with imported_at: the version, for the outline (app.learning.outline)
    imported_at: datetime
    completion: dict


@dataclass(eq=False)
class DashboardCohort:
    id: int
    name: str
    starts_on: date
    release_locks: bool
    course_id: int
    course: DashboardCourse
    module_releases: list[Release] = field(default_factory=list)  # read by app.cohorts.schedule


@dataclass(eq=False)
class DashboardEnrolment:
    id: int
    status: EnrolmentStatus
    completed_at: datetime | None
    items_done: int
    items_total: int
    cohort_id: int
    cohort: DashboardCohort
    statuses: dict[int, SubmissionStatus] = field(default_factory=dict)  # assignment id → its submission's status
    lessons_done: set[int] = field(default_factory=set)  # for the next lesson (app.learning.routes)

    percent = Enrolment.percent  # the same property, on the stored counts


@dataclass(frozen=True)
class DashboardCertificate:
    id: int
    number: str


# One statement of plain columns: the enrolments with cohort, course, valid certificate and the
# cohort's release dates (building them as ORM objects, joined, was half of the page's reads), and
# each enrolment's submission statuses as one string "12:passed,14:draft" (string_agg on
# PostgreSQL, group_concat on SQLite) for the due dates — a statement of their own before — and
# the lessons it has done ("lesson:3,lesson:5"), from which the next lesson is found in the
# course's outline (a ranking statement of its own before).
_SUBMISSION_STATUSES = (
    select(aggregated_pairs(Submission.assignment_id, Submission.status))
    .where(Submission.enrolment_id == Enrolment.id).scalar_subquery()
)
_LESSONS_DONE = (
    select(aggregated_pairs(ProgressItem.item_type, ProgressItem.item_id))
    .where(ProgressItem.enrolment_id == Enrolment.id, ProgressItem.item_type == ItemType.LESSON).scalar_subquery()
)
_ENROLMENTS = (
    select(Enrolment.id, Enrolment.status, Enrolment.completed_at, Enrolment.items_done, Enrolment.items_total,
           Cohort.id, Cohort.name, Cohort.starts_on, Cohort.release_locks,
           Course.id, Course.slug, Course.title, Course.content_hash, Course.imported_at, Course.completion,
           Certificate.id, Certificate.number, _SUBMISSION_STATUSES, _LESSONS_DONE, ModuleRelease.module_id, ModuleRelease.opens_on)
    .join(Cohort, Enrolment.cohort_id == Cohort.id).join(Course, Cohort.course_id == Course.id)
    .outerjoin(Certificate, (Certificate.enrolment_id == Enrolment.id) & (Certificate.status == CertificateStatus.VALID))
    .outerjoin(ModuleRelease, ModuleRelease.cohort_id == Cohort.id)
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.status.in_(OPEN_STATUSES))
    .order_by(Enrolment.enrolled_at, Enrolment.id)
)


def open_enrolments(user_id: int) -> tuple[list[DashboardEnrolment], dict[int, DashboardCertificate]]:
    """The user's active and completed enrolments in enrolment order, and their valid certificates."""
    enrolments: dict[int, DashboardEnrolment] = {}
    courses: dict[int, DashboardCourse] = {}
    certificates: dict[int, DashboardCertificate] = {}
    releases: dict[int, set] = {}
    for (enrolment_id, status, completed_at, items_done, items_total, cohort_id, cohort_name, starts_on, release_locks,
         course_id, slug, title, content_hash, imported_at, completion, certificate_id, number, submitted, lessons_done,
         module_id, opens_on) in db.session.execute(
            _ENROLMENTS, {"user_id": user_id}):
        enrolment = enrolments.get(enrolment_id)
        if enrolment is None:
            course = courses.get(course_id)
            if course is None:
                course = courses[course_id] = DashboardCourse(course_id, slug, title, content_hash, imported_at, completion or {})
            cohort = DashboardCohort(cohort_id, cohort_name, starts_on, release_locks, course_id, course)
            enrolment = enrolments[enrolment_id] = DashboardEnrolment(enrolment_id, status, completed_at, items_done, items_total,
                                                                      cohort_id, cohort)
            for assignment_id, value in pairs(submitted):
                enrolment.statuses[int(assignment_id)] = SubmissionStatus(value)
            enrolment.lessons_done = {int(lesson_id) for _, lesson_id in pairs(lessons_done)}
            releases[enrolment_id] = set()
        if certificate_id is not None:
            certificates[enrolment_id] = DashboardCertificate(certificate_id, number)
        if module_id is not None and module_id not in releases[enrolment_id]:
            releases[enrolment_id].add(module_id)
            enrolment.cohort.module_releases.append(Release(module_id, opens_on))
    return list(enrolments.values()), certificates


_AWAITING_CANDIDATES = (
    select(Enrolment).where(Enrolment.id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(Enrolment.cohort).joinedload(Cohort.course)).order_by(Enrolment.enrolled_at, Enrolment.id)
)


def awaiting_approval_ids(enrolments: list[DashboardEnrolment]) -> set[int]:
    """certificates.queries.awaiting_approval, which needs the ORM objects: loaded only for the
    enrolments it would check in full (completed, in a course that asks for approval) — rare."""
    ids = [e.id for e in enrolments if e.cohort.course.completion.get("trainer_approval") and e.completed_at is not None]
    if not ids:
        return set()
    return awaiting_approval(db.session.scalars(_AWAITING_CANDIDATES, {"ids": ids}).unique().all())


@dataclass(frozen=True)
class DueItem:
    enrolment: Enrolment
    assignment: OutlineAssignment
    due_on: date
    status: SubmissionStatus | None


@dataclass(frozen=True)
class Feedback:
    enrolment_id: int
    assignment_title: str
    assignment_slug: str
    module_slug: str
    course_slug: str
    decision: str
    points: float
    max_points: float
    graded_at: datetime


# Built once: building these statements with their loader options per request cost about as
# much as running them.
# The columns the list shows, not the gradings, assignments and modules whole (their comments,
# rubrics, instructions and objectives travelled to every dashboard and were parsed for nothing).
_FEEDBACK = (
    select(Submission.enrolment_id, Assignment.title, Assignment.slug, Module.slug, Course.slug,
           Grading.decision, Grading.points, Grading.max_points, Grading.created_at)
    .join(SubmissionVersion, Grading.version_id == SubmissionVersion.id)
    .join(Submission, SubmissionVersion.submission_id == Submission.id)
    .join(Assignment, Submission.assignment_id == Assignment.id)
    .join(Module, Assignment.module_id == Module.id).join(Course, Module.course_id == Course.id)
    .where(Submission.enrolment_id.in_(bindparam("enrolment_ids", expanding=True)))
    .order_by(Grading.created_at.desc(), Grading.id.desc()).limit(bindparam("limit"))
)


def upcoming_due(enrolments: list[DashboardEnrolment], outlines: dict[int, OutlineCourse], limit: int = 5) -> list[DueItem]:
    """Assignments not yet passed or failed, by due date (overdue ones first).

    No statement: the submission statuses came with the enrolments. The assignments come from the outline
    of each course version, and each cohort's release dates are worked out once (the due date is
    the day the module opens plus the assignment's due days, as in assignments.services.due_date_for)."""
    if not enrolments:
        return []
    items = []
    for enrolment in enrolments:
        modules = [m for m in outlines[enrolment.cohort.course_id].modules if m.archived_at is None]
        opens_on = None
        for module in modules:
            for assignment in module.assignments:
                if assignment.archived_at is not None or assignment.due_days is None:
                    continue
                status = enrolment.statuses.get(assignment.id)
                if status in DONE:
                    continue
                if opens_on is None:
                    opens_on = module_release_dates(enrolment.cohort, modules)
                items.append(DueItem(enrolment, assignment, rules.due_date(opens_on[module.id], assignment.due_days), status))
    return sorted(items, key=lambda item: item.due_on)[:limit]


def latest_feedback(enrolments: list[Enrolment], limit: int = 5) -> list[Feedback]:
    if not enrolments:
        return []
    rows = read_rows(_FEEDBACK, {"enrolment_ids": [e.id for e in enrolments], "limit": limit})
    return [Feedback(enrolment_id, title, slug, module_slug, course_slug, decision.value, points, max_points, graded_at)
            for enrolment_id, title, slug, module_slug, course_slug, decision, points, max_points, graded_at in rows]


