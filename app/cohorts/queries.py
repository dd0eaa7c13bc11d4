"""Reads for the trainer pages: the progress matrix in a fixed number of queries."""
from __future__ import annotations

import functools

from sqlalchemy import String, bindparam, func, literal, null, select, type_coerce, union_all

from app.accounts.models import User
from app.catalogue.models import Assignment, Lesson, Module, Quiz
from app.cohorts import matrix
from app.cohorts.models import Cohort, Enrolment
from app.db import read_rows
from app.extensions import db
from app.progress.models import ProgressItem


# The matrix's statements are built once per process with their parameters bound per request:
# building them (joins, unions, labels) cost about as much Python as running them (issue 17).
@functools.cache
def _statements() -> dict:
    course_id, cohort_id = bindparam("course_id"), bindparam("cohort_id")
    active_module = (Module.course_id == course_id) & Module.archived_at.is_(None)
    # The three kinds of item in one union. Assignments first: the union's columns take their types
    # from the first select (the settings are JSON).
    items = union_all(
        select(literal("assignment").label("kind"), Assignment.id.label("item_id"), Assignment.module_id.label("module_id"),
               Assignment.settings.label("settings"))
        .join(Module, Module.id == Assignment.module_id).where(active_module, Assignment.archived_at.is_(None)),
        select(literal("lesson"), Lesson.id, Lesson.module_id, null())
        .join(Module, Module.id == Lesson.module_id).where(active_module, Lesson.archived_at.is_(None)),
        select(literal("quiz"), Quiz.id, Quiz.module_id, null())
        .join(Module, Module.id == Quiz.module_id).where(active_module, Quiz.archived_at.is_(None)),
    ).subquery()
    last_completed = (select(func.max(ProgressItem.completed_at)).where(ProgressItem.enrolment_id == Enrolment.id)
                      .correlate(Enrolment).scalar_subquery())
    return {
        # the course's active modules, each with its items (a module without items: one row of nulls)
        "columns": select(Module.id, Module.position, Module.title, items.c.kind, items.c.item_id, items.c.settings)
        .outerjoin(items, items.c.module_id == Module.id).where(active_module).order_by(Module.position, Module.id),
        # Plain rows in the order of matrix.Learner's fields, enums as their stored strings: building
        # objects and reading an enum's .value per row cost more than the rows themselves. The latest
        # stored item's time comes with the learner, so that the progress rows need no time column
        # (reading and converting 300 timestamps was a tenth of the page).
        "learners": select(Enrolment.id, Enrolment.user_id, User.name, User.email, func.coalesce(User.municipality, ""),
                           User.district_ags, type_coerce(Enrolment.status, String), Enrolment.enrolled_at,
                           Enrolment.items_done, Enrolment.items_total, last_completed)
        .join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort_id),
        "progress": select(ProgressItem.enrolment_id, type_coerce(ProgressItem.item_type, String), ProgressItem.item_id,
                           ProgressItem.detail)
        .join(Enrolment, Enrolment.id == ProgressItem.enrolment_id).where(Enrolment.cohort_id == cohort_id),
    }


def module_columns(course_id: int) -> list[matrix.ModuleColumn]:
    """The course's active modules with their active lessons, quizzes and required assignments (one query)."""
    modules: dict[int, tuple] = {}
    items: dict[int, dict[str, set[int]]] = {}
    for module_id, position, title, kind, item_id, settings in read_rows(_statements()["columns"], {"course_id": course_id}):
        if module_id not in modules:
            modules[module_id] = (position, title)
            items[module_id] = {"lesson": set(), "quiz": set(), "assignment": set()}
        if kind is not None and (kind != "assignment" or (settings or {}).get("required", True)):
            items[module_id][kind].add(item_id)
    return [
        matrix.ModuleColumn(module_id, position, title, frozenset(items[module_id]["lesson"]), frozenset(items[module_id]["quiz"]),
                            frozenset(items[module_id]["assignment"]))
        for module_id, (position, title) in modules.items()
    ]


def cohort_learners(cohort: Cohort) -> list[matrix.Learner]:
    return list(map(matrix.Learner._make, read_rows(_statements()["learners"], {"cohort_id": cohort.id})))


def cohort_progress(cohort: Cohort) -> list[tuple]:
    """(enrolment id, item type, item id, detail) per stored item, as the query's rows (matrix.Done's fields)."""
    return read_rows(_statements()["progress"], {"cohort_id": cohort.id}).all()


def progress_matrix(cohort: Cohort) -> tuple[list[matrix.ModuleColumn], list[matrix.Row]]:
    """Columns and rows of the cohort's matrix: three queries, whatever the number of learners."""
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
