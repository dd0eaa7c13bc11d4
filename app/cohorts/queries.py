"""Reads for the trainer pages: the progress matrix in a fixed number of queries."""
from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import String, Text, bindparam, cast, func, literal, null, select, type_coerce, union_all

from app import clock
from app.accounts.models import User
from app.catalogue.models import Assignment, Course, Lesson, Module, Quiz
from app.cohorts import access, matrix
from app.cohorts.models import Cohort, Enrolment
from app.db import read_rows
from app.extensions import db
from app.progress.models import ProgressItem
from app.sessions import attendance
from app.sessions.models import Attendance, LiveSession


# The matrix's statements are built once per process with their parameters bound per request:
# building them (joins, unions, labels) cost about as much Python as running them (issue 17).
def _items(course_id):
    """The three kinds of item of the course's active modules in one union. Assignments first: the
    union's columns take their types from the first select (the settings are JSON)."""
    active_module = (Module.course_id == course_id) & Module.archived_at.is_(None)
    return union_all(
        select(literal("assignment").label("kind"), Assignment.id.label("item_id"), Assignment.module_id.label("module_id"),
               Assignment.settings.label("settings"))
        .join(Module, Module.id == Assignment.module_id).where(active_module, Assignment.archived_at.is_(None)),
        select(literal("lesson"), Lesson.id, Lesson.module_id, null())
        .join(Module, Module.id == Lesson.module_id).where(active_module, Lesson.archived_at.is_(None)),
        select(literal("quiz"), Quiz.id, Quiz.module_id, null())
        .join(Module, Module.id == Quiz.module_id).where(active_module, Quiz.archived_at.is_(None)),
    ).subquery()


@functools.cache
def _statements() -> dict:
    course_id, cohort_id = bindparam("course_id"), bindparam("cohort_id")
    items = _items(course_id)
    last_completed = (select(func.max(ProgressItem.completed_at)).where(ProgressItem.enrolment_id == Enrolment.id)
                      .correlate(Enrolment).scalar_subquery())
    return {
        # the course's active modules, each with its items (a module without items: one row of nulls)
        "columns": select(Module.id, Module.position, Module.title, items.c.kind, items.c.item_id, items.c.settings)
        .outerjoin(items, items.c.module_id == Module.id).where(Module.course_id == course_id, Module.archived_at.is_(None))
        .order_by(Module.position, Module.id),
        # Plain rows in the order of matrix.Learner's fields, enums as their stored strings: building
        # objects and reading an enum's .value per row cost more than the rows themselves. The latest
        # stored item's time comes with the learner, so that the progress rows need no time column
        # (reading and converting 300 timestamps was a tenth of the page).
        "learners": select(Enrolment.id, Enrolment.user_id, User.name, User.email, func.coalesce(User.municipality, ""),
                           User.district_ags, type_coerce(Enrolment.status, String), Enrolment.enrolled_at,
                           Enrolment.items_done, Enrolment.items_total, last_completed)
        .join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort_id),
    }


@functools.cache
def _page_statement(every_cohort: bool | None):
    """The page's other reads in one statement (issue 17: three statements before, four with held
    sessions), told apart by `kind`: the columns' rows, the stored items, and each held session
    with its recorded attendances (a session without any: one row with no enrolment). Only
    integers and texts, so that no row pays for a type's conversion (the settings as their JSON
    text, read for assignments only); in no order — the columns are sorted afterwards.

    `every_cohort` None: for a cohort the caller has checked, its id and course bound (exports).
    True (an admin) or False (a trainer): for the matrix page, which reads the cohort here as well,
    through the access rule (access.managed_cohort), with its name and course's completion rules
    — no row for a cohort the user may not manage, and then no other rows either — and the
    navigation badge's count (one statement for both: round trips on PostgreSQL)."""
    from app.assignments.queries import waiting_count_select  # here: app.assignments imports app.cohorts' models

    if every_cohort is None:
        course_id, cohort_id = bindparam("course_id"), bindparam("cohort_id")
    else:
        managed = access.managed_cohort(every_cohort)
        cohort_id = select(Cohort.id).where(*managed).scalar_subquery() if not every_cohort else bindparam("cohort_id")
        course_id = select(Cohort.course_id).where(*managed).scalar_subquery()
    items = _items(course_id)
    parts = [
        select(literal("column").label("kind"), Module.id.label("id"), Module.position.label("number"),
               items.c.item_id.label("item_id"), Module.title.label("text"), items.c.kind.label("item_kind"),
               cast(items.c.settings, Text).label("settings"))
        .outerjoin(items, items.c.module_id == Module.id).where(Module.course_id == course_id, Module.archived_at.is_(None)),
        select(literal("progress"), ProgressItem.enrolment_id, null(), ProgressItem.item_id, ProgressItem.detail,
               type_coerce(ProgressItem.item_type, String), null())
        .join(Enrolment, Enrolment.id == ProgressItem.enrolment_id).where(Enrolment.cohort_id == cohort_id),
        select(literal("session"), LiveSession.id, Attendance.enrolment_id, null(), type_coerce(Attendance.status, String),
               null(), null())
        .outerjoin(Attendance, Attendance.session_id == LiveSession.id)
        .where(LiveSession.cohort_id == cohort_id, LiveSession.starts_at <= bindparam("now")),
    ]
    if every_cohort is not None:
        # the cohort: id, course id (number), name (text), the course's completion rules (settings, JSON text)
        parts.append(select(literal("cohort"), Cohort.id, Cohort.course_id, null(), Cohort.name, null(), cast(Course.completion, Text))
                     .join(Course, Course.id == Cohort.course_id).where(*access.managed_cohort(every_cohort)))
        parts.append(waiting_count_select(every_cohort, (literal("count"),), (null(),) * 5))  # the count in `id`
    return union_all(*parts)


def module_columns(course_id: int) -> list[matrix.ModuleColumn]:
    """The course's active modules with their active lessons, quizzes and required assignments (one query)."""
    modules: dict[int, tuple] = {}
    items: dict[int, dict[str, set[int]]] = {}
    for module_id, position, title, kind, item_id, settings in read_rows(_statements()["columns"], {"course_id": course_id}):
        _add_column_item(modules, items, module_id, position, title, kind, item_id, settings)
    return _columns(modules, items)


def _add_column_item(modules: dict, items: dict, module_id: int, position: int, title: str, kind: str | None, item_id, settings) -> None:
    if module_id not in modules:
        modules[module_id] = (position, title)
        items[module_id] = {"lesson": set(), "quiz": set(), "assignment": set()}
    if kind is not None and (kind != "assignment" or (settings or {}).get("required", True)):
        items[module_id][kind].add(item_id)


def _columns(modules: dict, items: dict) -> list[matrix.ModuleColumn]:
    return [
        matrix.ModuleColumn(module_id, position, title, frozenset(items[module_id]["lesson"]), frozenset(items[module_id]["quiz"]),
                            frozenset(items[module_id]["assignment"]))
        for module_id, (position, title) in modules.items()
    ]


def cohort_learners(cohort: Cohort) -> list[matrix.Learner]:
    # .all(): one fetchall, where iterating the result fetches row by row (three calls a row)
    return list(map(matrix.new_learner, read_rows(_statements()["learners"], {"cohort_id": cohort.id}).all()))


def progress_matrix(cohort: Cohort, now: datetime | None = None) -> tuple[list[matrix.ModuleColumn], list[matrix.Row]]:
    """Columns and rows of the cohort's matrix: two queries, whatever the number of learners."""
    columns, rows, _attendance = matrix_page(cohort, now or clock.now())
    return columns, rows


class CohortRow(NamedTuple):
    """What the matrix page needs of its cohort."""
    id: int
    name: str
    course_id: int
    course_completion: dict | None


class MatrixPage(NamedTuple):
    cohort: CohortRow | None  # None: no such cohort, or not one the user may manage
    columns: list[matrix.ModuleColumn]
    rows: list[matrix.Row]
    attendance: dict[int, attendance.Summary]  # enrolment id → summary, as sessions.queries.cohort_attendance
    waiting: int  # submissions waiting for a grade in the user's cohorts: the navigation badge's count


def matrix_page(cohort, now: datetime) -> tuple[list[matrix.ModuleColumn], list[matrix.Row], dict[int, attendance.Summary]]:
    """Columns, rows and each learner's attendance (enrolment id → summary, as
    sessions.queries.cohort_attendance) in two queries, whatever the number of learners: the
    learners, and everything else in one union. `cohort`: anything with the cohort's `id` and
    `course_id`, which the caller may manage."""
    page = _read_page(_page_statement(None), {"course_id": cohort.course_id, "cohort_id": cohort.id, "now": now}, cohort)
    return page.columns, page.rows, page.attendance


def matrix_page_for(user, cohort_id: int, now: datetime) -> MatrixPage:
    """The matrix page's reads for a user: the cohort through the access rule (cohort None when
    the user may not manage it: nothing else is read then), the columns, rows and attendance as
    matrix_page, and the navigation badge's count — two statements, whatever the number of learners."""
    every_cohort, params = access.managing_scope(user, cohort_id)
    return _read_page(_page_statement(every_cohort), {**params, "now": now})


def _read_page(statement, params: dict, cohort=None) -> MatrixPage:
    modules: dict[int, tuple] = {}
    items: dict[int, dict[str, set[int]]] = {}
    done: dict[int, tuple[set, dict, set, set]] = {}  # as matrix.build_rows takes it
    held: set[int] = set()
    statuses: dict[int, dict[int, str]] = {}
    waiting = 0
    for kind, id_, number, item_id, text, item_kind, settings in read_rows(statement, params).all():
        if kind == "progress":  # id_: the enrolment; text: the detail; most rows, so first
            stored = done.get(id_)
            if stored is None:
                stored = done[id_] = (set(), {}, set(), set())
            if item_kind == "lesson":
                stored[0].add(item_id)
            elif item_kind == "quiz":
                stored[1][item_id] = text
            elif item_kind == "assignment":
                stored[2].add(item_id)
            elif item_kind == "module":
                stored[3].add(item_id)
        elif kind == "column":  # id_: the module; number: its position; text: its title
            _add_column_item(modules, items, id_, number, text, item_kind, item_id,
                             json.loads(settings) if settings is not None and item_kind == "assignment" else None)
        elif kind == "session":  # a held session (id_), an enrolment (number) and its status (text)
            held.add(id_)
            if number is not None:
                statuses.setdefault(number, {})[id_] = text
        elif kind == "cohort":
            cohort = CohortRow(id_, text, number, json.loads(settings) if settings is not None else None)
        else:  # the badge's count
            waiting = id_
    if cohort is None:
        return MatrixPage(None, [], [], {}, waiting)
    columns = sorted(_columns(modules, items), key=lambda c: (c.position, c.id))
    learners = cohort_learners(cohort)
    nobody = attendance.summarise(held, {})  # a learner without recorded attendance (frozen: shared)
    summaries = {e: attendance.summarise(held, s) for e, s in statuses.items()}
    return MatrixPage(cohort, columns, matrix.build_rows(columns, learners, done),
                      {learner.enrolment_id: summaries.get(learner.enrolment_id, nobody) for learner in learners}, waiting)


def enrolments_waiting_for_grading(cohort: Cohort) -> set[int]:
    """Enrolments of the cohort with a handed-in submission that no trainer has decided yet."""
    from app.assignments.models import WAITING, Submission

    return set(db.session.scalars(
        select(Submission.enrolment_id).join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id, Submission.status.in_(WAITING))
    ))
