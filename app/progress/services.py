"""Stored progress per enrolment, updated in the transaction of the event that changes it.

Page views read the stored rows (ProgressItem, Enrolment.items_done/items_total); nothing here
runs on a page view."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select, update

from app import clock
from app.catalogue.models import Assignment, Course, Lesson, Module, Quiz
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.db import add_unless_duplicate
from app.events import course_completed
from app.extensions import db
from app.progress.models import ItemType, ProgressItem

COUNTED = (ItemType.LESSON, ItemType.QUIZ, ItemType.ASSIGNMENT)


def required_items(course: Course) -> dict[int, set[tuple[ItemType, int]]]:
    """module id → the items a learner must finish in that module (three queries)."""
    rules = course.completion or {}
    module_ids = select(Module.id).where(Module.course_id == course.id, Module.archived_at.is_(None))
    required: dict[int, set[tuple[ItemType, int]]] = defaultdict(set)
    for module_id in db.session.scalars(module_ids):
        required[module_id]  # a module without required items still exists
    for lesson_id, module_id in db.session.execute(
        select(Lesson.id, Lesson.module_id).where(Lesson.module_id.in_(module_ids), Lesson.archived_at.is_(None))
    ):
        required[module_id].add((ItemType.LESSON, lesson_id))
    if rules.get("quizzes", "all") == "all":
        for quiz_id, module_id in db.session.execute(
            select(Quiz.id, Quiz.module_id).where(Quiz.module_id.in_(module_ids), Quiz.archived_at.is_(None))
        ):
            required[module_id].add((ItemType.QUIZ, quiz_id))
    if rules.get("assignments", "all") == "all":
        for assignment_id, module_id, settings in db.session.execute(
            select(Assignment.id, Assignment.module_id, Assignment.settings)
            .where(Assignment.module_id.in_(module_ids), Assignment.archived_at.is_(None))
        ):
            if settings.get("required", True):
                required[module_id].add((ItemType.ASSIGNMENT, assignment_id))
    return required


def done_items(enrolment_id: int) -> set[tuple[ItemType, int]]:
    return {
        (row.item_type, row.item_id)
        for row in db.session.execute(
            select(ProgressItem.item_type, ProgressItem.item_id).where(ProgressItem.enrolment_id == enrolment_id)
        )
    }


def _record(enrolment: Enrolment, item_type: ItemType, item_id: int, detail: str | None = None) -> bool:
    """Adds the completion row if it is not there yet; True when it was added.

    A savepoint makes a concurrent duplicate (double click, two tabs) harmless: the unique
    constraint refuses the second row and the outer transaction goes on."""
    exists = db.session.scalar(
        select(ProgressItem.id).where(
            ProgressItem.enrolment_id == enrolment.id, ProgressItem.item_type == item_type, ProgressItem.item_id == item_id
        )
    )
    if exists:
        return False
    return add_unless_duplicate(ProgressItem(enrolment_id=enrolment.id, item_type=item_type, item_id=item_id, detail=detail))


def complete_item(enrolment: Enrolment, item_type: ItemType, item_id: int, module: Module, detail: str | None = None) -> bool:
    """Records a finished lesson, passed quiz or passed assignment and everything that follows
    from it: module complete, course complete — and, through the course_completed event, the
    certificate. Returns True if something changed."""
    if not _record(enrolment, item_type, item_id, detail):
        return False
    required = required_items(module.course)
    done = done_items(enrolment.id)
    all_required = set().union(*required.values()) if required else set()
    enrolment.items_total = len(all_required)
    enrolment.items_done = len(all_required & done)
    if module.id in required and required[module.id] <= done:
        _record(enrolment, ItemType.MODULE, module.id)
    if all_required and all_required <= done and not any(t == ItemType.COURSE for t, _ in done):
        _record(enrolment, ItemType.COURSE, module.course_id)
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
