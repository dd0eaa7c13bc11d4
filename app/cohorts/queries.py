"""Reads for the trainer pages: the progress matrix in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.catalogue.models import Assignment, Lesson, Module, Quiz
from app.cohorts import matrix
from app.cohorts.models import Cohort, Enrolment
from app.extensions import db
from app.progress.models import ProgressItem


def module_columns(course_id: int) -> list[matrix.ModuleColumn]:
    """The course's active modules with their active lessons, quizzes and required assignments (four queries)."""
    modules = db.session.execute(
        select(Module.id, Module.position, Module.title)
        .where(Module.course_id == course_id, Module.archived_at.is_(None)).order_by(Module.position)
    ).all()
    module_ids = [m.id for m in modules]
    lessons: dict[int, set[int]] = {m: set() for m in module_ids}
    quizzes: dict[int, set[int]] = {m: set() for m in module_ids}
    assignments: dict[int, set[int]] = {m: set() for m in module_ids}
    if module_ids:
        for item_id, module_id in db.session.execute(
            select(Lesson.id, Lesson.module_id).where(Lesson.module_id.in_(module_ids), Lesson.archived_at.is_(None))
        ):
            lessons[module_id].add(item_id)
        for item_id, module_id in db.session.execute(
            select(Quiz.id, Quiz.module_id).where(Quiz.module_id.in_(module_ids), Quiz.archived_at.is_(None))
        ):
            quizzes[module_id].add(item_id)
        for item_id, module_id, settings in db.session.execute(
            select(Assignment.id, Assignment.module_id, Assignment.settings)
            .where(Assignment.module_id.in_(module_ids), Assignment.archived_at.is_(None))
        ):
            if (settings or {}).get("required", True):
                assignments[module_id].add(item_id)
    return [
        matrix.ModuleColumn(m.id, m.position, m.title, frozenset(lessons[m.id]), frozenset(quizzes[m.id]), frozenset(assignments[m.id]))
        for m in modules
    ]


def cohort_learners(cohort: Cohort) -> list[matrix.Learner]:
    return [
        matrix.Learner(
            enrolment_id=e.id, user_id=u.id, name=u.name, email=u.email, municipality=u.municipality or "",
            district_ags=u.district_ags, status=e.status.value, enrolled_at=e.enrolled_at,
            items_done=e.items_done, items_total=e.items_total,
        )
        for e, u in db.session.execute(
            select(Enrolment, User).join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)
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
    """Columns and rows of the cohort's matrix: six queries, whatever the number of learners."""
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
