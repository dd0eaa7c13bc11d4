"""Loading course content for the current user: the enrolment, and whether a module is open."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, load_only

from app import clock
from app.accounts.models import Role, User
from app.catalogue.models import Course, Lesson, Module
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, ModuleRelease, cohort_trainers
from app.db import aggregated_pairs, pairs
from app.extensions import db
from app.progress.models import ProgressItem

OPEN_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


def course_or_404(slug: str, with_lessons: bool = False) -> Course:
    """The course with its modules in one statement. With lessons (the lesson page): the lessons
    too, and only the columns that page reads — the joined rows repeat course and module, and
    decoding their JSON columns once per lesson cost more than the statements saved."""
    if not with_lessons:
        options = [joinedload(Course.modules)]
    else:
        options = [
            load_only(Course.id, Course.slug, Course.title, Course.archived_at),
            joinedload(Course.modules).load_only(
                Module.id, Module.course_id, Module.slug, Module.position, Module.title, Module.hours,
                Module.prerequisites, Module.archived_at,
            ).joinedload(Module.lessons).load_only(
                Lesson.id, Lesson.module_id, Lesson.slug, Lesson.position, Lesson.title, Lesson.archived_at,
            ),
        ]
    course = db.session.scalars(
        select(Course).where(Course.slug == slug, Course.archived_at.is_(None)).options(*options)
    ).unique().one_or_none()
    if course is None:
        abort(404)
    return course


def module_or_404(course: Course, slug: str) -> Module:
    for module in course.modules:
        if module.slug == slug and module.archived_at is None:
            return module
    abort(404)


def _latest_open_enrolment(query, course_id=bindparam("course_id")):
    """`query` narrowed to the user's most recent open enrolment in the course (user_id bound per
    request; the course bound as course_id, or a column of an enclosing query) — the one rule for
    both readers below."""
    return (query.join(Cohort, Enrolment.cohort_id == Cohort.id)
            .where(Enrolment.user_id == bindparam("user_id"), Cohort.course_id == course_id,
                   Enrolment.status.in_(OPEN_STATUSES))
            .order_by(Enrolment.enrolled_at.desc()).limit(1))


# Built once (building it with its loader options per request cost about as much as running it).
_ENROLMENT = _latest_open_enrolment(select(Enrolment)).options(
    # the cohort and its release schedule are read on every page: in the same statement
    contains_eager(Enrolment.cohort).joinedload(Cohort.module_releases)
)


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    return db.session.scalars(_ENROLMENT, {"user_id": user.id, "course_id": course.id}).unique().first()


@dataclass(frozen=True)
class Release:
    module_id: int
    opens_on: date


@dataclass(frozen=True)
class CohortSchedule:
    """What the pages that only read need of the cohort: its start and release dates
    (app.cohorts.schedule reads `starts_on` and `module_releases`)."""
    id: int
    starts_on: date
    release_locks: bool
    module_releases: tuple[Release, ...]


@dataclass(frozen=True)
class EnrolmentRow:
    id: int
    cohort: CohortSchedule
    done: dict[str, set[int]]  # item type value → ids done, as app.progress.services.enrolment_state


# The lesson page's two reads in one statement: the course's version by slug (which outline copy is
# current, app.learning.outline), outer-joined to the user's latest open enrolment in it and that
# cohort's release dates — one row per release date, or one row with NULLs. The outer enrolment and
# cohort are aliases, so the subquery's own stay its own; the subquery is correlated to the course.
# The enrolment's progress comes along as one string "lesson:12,quiz:3,…" (string_agg on
# PostgreSQL, group_concat on SQLite), so the page needs no statement of its own for it.
_ENROLLED, _ITS_COHORT = aliased(Enrolment, name="enrolled"), aliased(Cohort, name="its_cohort")
_DONE = (
    select(aggregated_pairs(ProgressItem.item_type, ProgressItem.item_id))
    .where(ProgressItem.enrolment_id == _ENROLLED.id).scalar_subquery()
)
_VERSION_WITH_ENROLMENT = (
    select(Course.id, Course.content_hash, Course.imported_at, _ENROLLED.id, _ITS_COHORT.id, _ITS_COHORT.starts_on,
           _ITS_COHORT.release_locks, _DONE, ModuleRelease.module_id, ModuleRelease.opens_on)
    .select_from(Course)
    .outerjoin(_ENROLLED, _ENROLLED.id == _latest_open_enrolment(select(Enrolment.id), course_id=Course.id).scalar_subquery())
    .outerjoin(_ITS_COHORT, _ENROLLED.cohort_id == _ITS_COHORT.id)
    .outerjoin(ModuleRelease, ModuleRelease.cohort_id == _ITS_COHORT.id)
    .where(Course.slug == bindparam("slug"), Course.archived_at.is_(None))
)


def version_and_enrolment_row_or_404(slug: str, user: User) -> tuple[tuple, EnrolmentRow | None]:
    """The course's version (id, content_hash, imported_at) and the same enrolment as
    `enrolment_for`, as plain rows with its cohort's release dates, for pages that only read it
    (building the ORM objects was a third of the lesson page's own time); 404 without the course."""
    # on the session's connection, in its transaction, but without the ORM's execution: plain
    # columns need no ORM loading, and the page only reads (about 40 µs less, issue 17)
    rows = db.session.connection().execute(_VERSION_WITH_ENROLMENT, {"slug": slug, "user_id": user.id}).all()
    if not rows:
        abort(404)
    course_id, content_hash, imported_at, enrolment_id, cohort_id, starts_on, release_locks, done = rows[0][:8]
    version = (course_id, content_hash, imported_at)
    if enrolment_id is None:
        return version, None
    releases = tuple(Release(module_id, opens_on) for *_, module_id, opens_on in rows if module_id is not None)
    state: dict[str, set[int]] = defaultdict(set)
    for item_type, item_id in pairs(done):
        state[item_type].add(int(item_id))
    return version, EnrolmentRow(enrolment_id, CohortSchedule(cohort_id, starts_on, release_locks, releases), state)


def outline_module_or_404(course_slug: str, module_slug: str, user: User):
    """The course's outline of its current version (app.learning.outline), one of its modules, and
    the user's enrolment as `version_and_enrolment_row_or_404` reads it — one statement when the
    outline is current — for the pages that only read them (lesson page, assignment page, quiz
    overview). 404 as course_or_404 and module_or_404; access is the caller's to check
    (`allowed_or_403`), after its own 404s."""
    from app.learning.outline import outline_of_version

    version, enrolment = version_and_enrolment_row_or_404(course_slug, user)
    course = outline_of_version(course_slug, version)
    return course, module_or_404(course, module_slug), enrolment


def may_preview(user: User, course: Course) -> bool:
    """Admins, and trainers of a cohort of this course, read the content without an enrolment."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TRAINER:
        return False
    return db.session.scalar(
        select(Cohort.id).join(cohort_trainers).where(cohort_trainers.c.user_id == user.id, Cohort.course_id == course.id).limit(1)
    ) is not None


def require_access(user: User, course: Course) -> Enrolment | None:
    """The user's enrolment, or None for a previewing trainer/admin; 403 for everyone else."""
    return allowed_or_403(user, course, enrolment_for(user, course))


def allowed_or_403(user: User, course, enrolment: Enrolment | EnrolmentRow | None) -> Enrolment | EnrolmentRow | None:
    """`enrolment` (read by the caller), or None for a previewing trainer/admin; 403 for everyone else."""
    if enrolment is None and not may_preview(user, course):
        abort(403)
    return enrolment


def locked_reason(module: Module, modules_done: set[int], course: Course) -> list[str]:
    """Titles of prerequisite modules not yet complete (empty: the module is open)."""
    by_slug = {m.slug: m for m in course.modules}
    return [by_slug[p].title for p in module.prerequisites if p in by_slug and by_slug[p].id not in modules_done]


def active_lessons(module: Module) -> list[Lesson]:
    return [lesson for lesson in module.lessons if lesson.archived_at is None]


def closed_until(enrolment: Enrolment | None, modules: list[Module], today: date | None = None) -> dict[int, date]:
    """Module id → opening date, for the modules that have not opened yet for this enrolment's cohort
    (the cohort's release schedule, see app.cohorts.schedule) when the cohort locks modules by date.
    Previews (no enrolment) see everything."""
    if enrolment is None or not enrolment.cohort.release_locks:
        return {}
    from app.cohorts.schedule import module_release_dates

    today = today or clock.today()
    dates = module_release_dates(enrolment.cohort, modules)
    return {module_id: day for module_id, day in dates.items() if day > today}


def opens_on(enrolment: Enrolment | None, module: Module, today: date | None = None) -> date | None:
    """The date ``module`` opens for this enrolment, or None if it is open (or a preview)."""
    if enrolment is None or not enrolment.cohort.release_locks:
        return None
    from app.cohorts.schedule import module_opens_on

    day = module_opens_on(enrolment.cohort, module)
    return day if day > (today or clock.today()) else None
