"""Stored progress per enrolment, updated in the transaction of the event that changes it.

Page views read the stored rows (ProgressItem, Enrolment.items_done/items_total); nothing here
runs on a page view."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam, inspect, literal_column, null, select, union_all, update

from app import clock
from app.catalogue.models import Assignment, Course, Lesson, Module, Quiz
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.db import add_unless_duplicate
from app.events import course_completed
from app.extensions import db
from app.progress.models import ItemType, ProgressItem

COUNTED = (ItemType.LESSON, ItemType.QUIZ, ItemType.ASSIGNMENT)


# What completing a course takes, in one statement (it was four, and a fifth for the course's
# rules when the caller had not loaded them): the course's completion rules, its active modules,
# and their active lessons, quizzes and assignments (with their settings: an assignment may be
# optional) — and, for complete_item, what the enrolment has done (a sixth statement before;
# no rows for enrolment_id None). Which quizzes and assignments count is decided in Python by the
# rules, as before.
_ACTIVE_MODULE = (Module.course_id == bindparam("course_id")) & Module.archived_at.is_(None)
_REQUIRED_AND_DONE = union_all(
    select(literal_column("'rules'"), Course.id, Course.id, Course.completion, null()).where(Course.id == bindparam("course_id")),
    select(literal_column("'module'"), Module.id, Module.id, null(), null()).where(_ACTIVE_MODULE),
    select(literal_column("'lesson'"), Lesson.id, Lesson.module_id, null(), null()).join(Module, Lesson.module_id == Module.id)
    .where(_ACTIVE_MODULE, Lesson.archived_at.is_(None)),
    select(literal_column("'quiz'"), Quiz.id, Quiz.module_id, null(), null()).join(Module, Quiz.module_id == Module.id)
    .where(_ACTIVE_MODULE, Quiz.archived_at.is_(None)),
    select(literal_column("'assignment'"), Assignment.id, Assignment.module_id, Assignment.settings, null())
    .join(Module, Assignment.module_id == Module.id).where(_ACTIVE_MODULE, Assignment.archived_at.is_(None)),
    select(literal_column("'done'"), ProgressItem.item_id, null(), null(), ProgressItem.item_type)
    .where(ProgressItem.enrolment_id == bindparam("enrolment_id")),
)


def required_and_done(course, enrolment_id: int | None) -> tuple[dict[int, set[tuple[ItemType, int]]], set[tuple[ItemType, int]]]:
    """module id → the items a learner must finish in that module, and the items this enrolment
    has done (empty for None), in one statement. `course`: the ORM course, or the outline of its
    version (app.learning.outline) — only its id is read, and its rules if the ORM object has them
    loaded (maybe changed and not yet flushed)."""
    required: dict[int, set[tuple[ItemType, int]]] = defaultdict(set)
    done: set[tuple[ItemType, int]] = set()
    rules, quizzes, assignments = None, [], []
    for kind, item_id, module_id, data, item_type in db.session.execute(
            _REQUIRED_AND_DONE, {"course_id": course.id, "enrolment_id": enrolment_id}):
        if kind == "done":
            done.add((ItemType(item_type), item_id))
        elif kind == "rules":
            rules = data
        elif kind == "module":
            required[module_id]  # a module without required items still exists
        elif kind == "lesson":
            required[module_id].add((ItemType.LESSON, item_id))
        elif kind == "quiz":
            quizzes.append((module_id, item_id))
        elif data.get("required", True):
            assignments.append((module_id, item_id))
    state = inspect(course, raiseerr=False)
    if state is not None and "completion" not in state.unloaded:
        rules = course.completion
    rules = rules or {}
    if rules.get("quizzes", "all") == "all":
        for module_id, quiz_id in quizzes:
            required[module_id].add((ItemType.QUIZ, quiz_id))
    if rules.get("assignments", "all") == "all":
        for module_id, assignment_id in assignments:
            required[module_id].add((ItemType.ASSIGNMENT, assignment_id))
    return required, done


def required_items(course) -> dict[int, set[tuple[ItemType, int]]]:
    """module id → the items a learner must finish in that module (one statement)."""
    return required_and_done(course, None)[0]


_DONE_ITEMS = select(ProgressItem.item_type, ProgressItem.item_id).where(ProgressItem.enrolment_id == bindparam("enrolment_id"))


def done_items(enrolment_id: int) -> set[tuple[ItemType, int]]:
    return {(row.item_type, row.item_id) for row in db.session.execute(_DONE_ITEMS, {"enrolment_id": enrolment_id})}


def _record(enrolment: Enrolment, item_type: ItemType, item_id: int, detail: str | None = None, absent: bool = False) -> bool:
    """Adds the completion row if it is not there yet; True when it was added. `absent`: the
    caller read in this transaction that it is not there (no statement to look again).

    A savepoint makes a concurrent duplicate (double click, two tabs) harmless: the unique
    constraint refuses the second row and the outer transaction goes on."""
    if not absent and db.session.scalar(
        select(ProgressItem.id).where(
            ProgressItem.enrolment_id == enrolment.id, ProgressItem.item_type == item_type, ProgressItem.item_id == item_id
        )
    ):
        return False
    return add_unless_duplicate(ProgressItem(enrolment_id=enrolment.id, item_type=item_type, item_id=item_id, detail=detail))


def complete_item(enrolment: Enrolment, item_type: ItemType, item_id: int, module, detail: str | None = None,
                  absent: bool = False) -> bool:
    """Records a finished lesson, passed quiz or passed assignment and everything that follows
    from it: module complete, course complete — and, through the course_completed event, the
    certificate. Returns True if something changed. `absent`: the caller read in this request
    that the item is not recorded (no statement to look again; a concurrent duplicate is still
    refused by the unique constraint). `module` may be the outline's (app.learning.outline)."""
    if not _record(enrolment, item_type, item_id, detail, absent=absent):
        return False
    required, done = required_and_done(module.course, enrolment.id)  # read after the new row: what is done now
    all_required = set().union(*required.values()) if required else set()
    enrolment.items_total = len(all_required)
    enrolment.items_done = len(all_required & done)
    if module.id in required and required[module.id] <= done:
        _record(enrolment, ItemType.MODULE, module.id, absent=(ItemType.MODULE, module.id) not in done)
    if all_required and all_required <= done and not any(t == ItemType.COURSE for t, _ in done):
        _record(enrolment, ItemType.COURSE, module.course_id, absent=True)
        enrolment.completed_at = clock.now()
        enrolment.status = EnrolmentStatus.COMPLETED
        course_completed.send(enrolment)
    db.session.flush()
    return True


def refresh_course_totals(course: Course) -> None:
    """After an import: recount every enrolment's totals against the course's current items."""
    required = required_items(course)
    all_required = set().union(*required.values()) if required else set()
    enrolment_ids = select(Enrolment.id).join(Cohort).where(Cohort.course_id == course.id)
    db.session.execute(update(Enrolment).where(Enrolment.id.in_(enrolment_ids)).values(items_total=len(all_required)))
    counts: dict[int, int] = defaultdict(int)
    for enrolment_id, item_type, item_id in db.session.execute(
        select(ProgressItem.enrolment_id, ProgressItem.item_type, ProgressItem.item_id)
        .where(ProgressItem.enrolment_id.in_(enrolment_ids), ProgressItem.item_type.in_(COUNTED))
    ):
        if (item_type, item_id) in all_required:
            counts[enrolment_id] += 1
    for enrolment_id in db.session.scalars(enrolment_ids):
        db.session.execute(update(Enrolment).where(Enrolment.id == enrolment_id).values(items_done=counts.get(enrolment_id, 0)))


def initialise_enrolment(enrolment: Enrolment) -> None:
    required = required_items(enrolment.cohort.course)
    enrolment.items_total = len(set().union(*required.values())) if required else 0


def enrolment_state(enrolment: Enrolment) -> dict[str, set[int]]:
    """item type value → ids done, for rendering one learner's pages (one query)."""
    state: dict[str, set[int]] = defaultdict(set)
    for item_type, item_id in done_items(enrolment.id):
        state[item_type.value].add(item_id)
    return state
