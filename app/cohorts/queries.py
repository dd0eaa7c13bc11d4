"""Reads for the trainer pages: the progress matrix in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import literal, null, select, union_all

from app.accounts.models import User
from app.catalogue.models import Assignment, Lesson, Module, Quiz
from app.cohorts import matrix
from app.cohorts.models import Cohort, Enrolment
from app.extensions import db
from app.progress.models import ProgressItem


def module_columns(course_id: int) -> list[matrix.ModuleColumn]:
    """The course's active modules with their active lessons, quizzes and required assignments (two queries)."""
    modules = db.session.execute(
        select(Module.id, Module.position, Module.title)
        .where(Module.course_id == course_id, Module.archived_at.is_(None)).order_by(Module.position)
    ).all()
    module_ids = [m.id for m in modules]
    items: dict[str, dict[int, set[int]]] = {kind: {m: set() for m in module_ids} for kind in ("lesson", "quiz", "assignment")}
    if module_ids:
        # The three kinds of item in one statement (issue 17: it was three). Assignments first: the
        # union's columns take their types from the first select (the settings are JSON).
        kinds = union_all(
            select(literal("assignment").label("kind"), Assignment.id, Assignment.module_id, Assignment.settings)
            .where(Assignment.module_id.in_(module_ids), Assignment.archived_at.is_(None)),
            select(literal("lesson"), Lesson.id, Lesson.module_id, null())
            .where(Lesson.module_id.in_(module_ids), Lesson.archived_at.is_(None)),
            select(literal("quiz"), Quiz.id, Quiz.module_id, null())
            .where(Quiz.module_id.in_(module_ids), Quiz.archived_at.is_(None)),
        )
        for kind, item_id, module_id, settings in db.session.execute(kinds):
            if kind != "assignment" or (settings or {}).get("required", True):
                items[kind][module_id].add(item_id)
    lessons, quizzes, assignments = items["lesson"], items["quiz"], items["assignment"]
    return [
        matrix.ModuleColumn(m.id, m.position, m.title, frozenset(lessons[m.id]), frozenset(quizzes[m.id]), frozenset(assignments[m.id]))
        for m in modules
    ]


def cohort_learners(cohort: Cohort) -> list[matrix.Learner]:
    # Only the columns the matrix shows, as rows: building Enrolment and User objects was a third
    # of the matrix's database time (issue 17).
    return [
        matrix.Learner(
            enrolment_id=r.id, user_id=r.user_id, name=r.name, email=r.email, municipality=r.municipality or "",
            district_ags=r.district_ags, status=r.status.value, enrolled_at=r.enrolled_at,
            items_done=r.items_done, items_total=r.items_total,
        )
        for r in db.session.execute(
            select(Enrolment.id, Enrolment.status, Enrolment.enrolled_at, Enrolment.items_done, Enrolment.items_total,
                   Enrolment.user_id, User.name, User.email, User.municipality, User.district_ags)
            .join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)
        )
    ]


def cohort_progress(cohort: Cohort) -> list[matrix.Done]:
    return [
        matrix.Done(r.enrolment_id, r.item_type.value, r.item_id, r.completed_at, r.detail)
        for r in db.session.execute(
            select(ProgressItem.enrolment_id, ProgressItem.item_type, ProgressItem.item_id, ProgressItem.completed_at, ProgressItem.detail)
            .join(Enrolment, Enrolment.id == ProgressItem.enrolment_id)
            .where(Enrolment.cohort_id == cohort.id)
        )
    ]


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
