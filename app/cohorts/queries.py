"""Reads for the trainer pages: the progress matrix in a fixed number of queries."""
from __future__ import annotations

import functools

from sqlalchemy import String, bindparam, literal, null, select, type_coerce, union_all

from app.accounts.models import User
from app.catalogue.models import Assignment, Lesson, Module, Quiz
from app.cohorts import matrix
from app.cohorts.models import Cohort, Enrolment
from app.extensions import db
from app.progress.models import ProgressItem


# The matrix's statements are built once per process with their parameters bound per request:
# building them (joins, unions, labels) cost about as much Python as running them (issue 17).
@functools.cache
def _statements() -> dict:
    course_id, cohort_id = bindparam("course_id"), bindparam("cohort_id")
    active_module = (Module.course_id == course_id) & Module.archived_at.is_(None)
    return {
        "modules": select(Module.id, Module.position, Module.title).where(active_module).order_by(Module.position),
        # The three kinds of item in one statement. Assignments first: the union's columns take their
        # types from the first select (the settings are JSON).
        "items": union_all(
            select(literal("assignment").label("kind"), Assignment.id, Assignment.module_id, Assignment.settings)
            .join(Module, Module.id == Assignment.module_id).where(active_module, Assignment.archived_at.is_(None)),
            select(literal("lesson"), Lesson.id, Lesson.module_id, null())
            .join(Module, Module.id == Lesson.module_id).where(active_module, Lesson.archived_at.is_(None)),
            select(literal("quiz"), Quiz.id, Quiz.module_id, null())
            .join(Module, Module.id == Quiz.module_id).where(active_module, Quiz.archived_at.is_(None)),
        ),
        # Plain rows of the columns the matrix shows, enums as their stored strings: building objects
        # and reading an enum's .value per row cost more than the rows themselves.
        "learners": select(Enrolment.id, type_coerce(Enrolment.status, String).label("status"), Enrolment.enrolled_at,
                           Enrolment.items_done, Enrolment.items_total, Enrolment.user_id, User.name, User.email,
                           User.municipality, User.district_ags)
        .join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort_id),
        "progress": select(ProgressItem.enrolment_id, type_coerce(ProgressItem.item_type, String), ProgressItem.item_id,
                           ProgressItem.completed_at, ProgressItem.detail)
        .join(Enrolment, Enrolment.id == ProgressItem.enrolment_id).where(Enrolment.cohort_id == cohort_id),
    }


def module_columns(course_id: int) -> list[matrix.ModuleColumn]:
    """The course's active modules with their active lessons, quizzes and required assignments (two queries)."""
    statements = _statements()
    modules = db.session.execute(statements["modules"], {"course_id": course_id}).all()
    items: dict[str, dict[int, set[int]]] = {kind: {m.id: set() for m in modules} for kind in ("lesson", "quiz", "assignment")}
    if modules:
        for kind, item_id, module_id, settings in db.session.execute(statements["items"], {"course_id": course_id}):
            if kind != "assignment" or (settings or {}).get("required", True):
                items[kind][module_id].add(item_id)
    lessons, quizzes, assignments = items["lesson"], items["quiz"], items["assignment"]
    return [
        matrix.ModuleColumn(m.id, m.position, m.title, frozenset(lessons[m.id]), frozenset(quizzes[m.id]), frozenset(assignments[m.id]))
        for m in modules
    ]


def cohort_learners(cohort: Cohort) -> list[matrix.Learner]:
    return [
        matrix.Learner(
            enrolment_id=r.id, user_id=r.user_id, name=r.name, email=r.email, municipality=r.municipality or "",
            district_ags=r.district_ags, status=r.status, enrolled_at=r.enrolled_at,
            items_done=r.items_done, items_total=r.items_total,
        )
        for r in db.session.execute(_statements()["learners"], {"cohort_id": cohort.id})
    ]


def cohort_progress(cohort: Cohort) -> list[matrix.Done]:
    return [matrix.Done(*r) for r in db.session.execute(_statements()["progress"], {"cohort_id": cohort.id})]


def progress_matrix(cohort: Cohort) -> tuple[list[matrix.ModuleColumn], list[matrix.Row]]:
    """Columns and rows of the cohort's matrix: four queries, whatever the number of learners."""
    columns = module_columns(cohort.course_id)
    rows = matrix.build_rows(columns, cohort_learners(cohort), cohort_progress(cohort))
    return columns, rows


def enrolments_waiting_for_grading(cohort: Cohort) -> set[int]:
    """Enrolments of the cohort with a handed-in submission that no trainer has decided yet."""
    from app.assignments.models import WAITING, Submission

    return set(db.session.scalars(
        select(Submission.enrolment_id).join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id, Submission.status.in_(WAITING))
    ))
