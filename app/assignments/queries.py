"""Reads for the grading queue, the navigation badge and the ZIP export."""
from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Callable, NamedTuple

from sqlalchemy import Date, Integer, String, bindparam, cast, func, literal, null, or_, select, type_coerce, union_all
from sqlalchemy.orm import aliased, selectinload

from app.accounts.models import Role, User
from app.assignments.access import cohort_ids_graded_by, grades_every_cohort
from app.assignments.models import WAITING, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion
from app.files import FileStore
from app.catalogue.models import Assignment, Module
from app.cohorts.models import Cohort, Enrolment
from app.db import read_rows
from app.extensions import db

OPEN = "open"
ALL = "all"


@dataclass(frozen=True)
class QueueFilter:
    cohort_id: int | None = None
    module_id: int | None = None
    status: str = OPEN  # "open" (handed in, in review), "all", or a SubmissionStatus value

    def as_args(self) -> dict:
        args = {"status": self.status}
        if self.cohort_id:
            args["cohort"] = self.cohort_id
        if self.module_id:
            args["module"] = self.module_id
        return args


# The queue's statements are built once per process for each shape of filter (admin or trainer, by
# cohort, by module, which status: at most 24) with the values bound per request: building them per
# request — joins, subqueries, the cache key SQLAlchemy derives from them — cost a tenth of the page.

def _shape(user: User, filters: QueueFilter) -> tuple:
    status = filters.status if filters.status in (OPEN, ALL) else "one"
    return grades_every_cohort(user), bool(filters.cohort_id), bool(filters.module_id), status


def _params(user: User, filters: QueueFilter) -> dict:
    params = {"user_id": user.id, "cohort_id": filters.cohort_id, "module_id": filters.module_id}
    if filters.status not in (OPEN, ALL):
        params["status"] = SubmissionStatus(filters.status)
    return params


def _where(query, every_cohort: bool, by_cohort: bool, by_module: bool, status: str):
    """The submissions a user may see in the queue (handed in; admins: all cohorts; trainers: their
    cohorts, never their own), then the filter's conditions."""
    query = query.where(Submission.status != SubmissionStatus.DRAFT)
    if not every_cohort:
        user_id = bindparam("user_id")
        query = query.where(Enrolment.cohort_id.in_(cohort_ids_graded_by(user_id)), Enrolment.user_id != user_id)
    if by_cohort:
        query = query.where(Enrolment.cohort_id == bindparam("cohort_id"))
    if by_module:
        query = query.where(Assignment.module_id == bindparam("module_id"))
    if status == OPEN:
        # one equality per waiting status rather than IN (...): an IN list is an "expanding" parameter
        # that SQLAlchemy rewrites into the SQL on every execution (the badge runs on every trainer page)
        query = query.where(or_(*(Submission.status == status for status in WAITING)))
    elif status != ALL:
        query = query.where(Submission.status == bindparam("status"))
    return query


@functools.cache
def _grading_queue_statement(*shape):
    return _where(select(Submission).join(Enrolment, Submission.enrolment_id == Enrolment.id)
                  .join(Assignment, Submission.assignment_id == Assignment.id), *shape).options(
        selectinload(Submission.enrolment).selectinload(Enrolment.user),
        selectinload(Submission.enrolment).selectinload(Enrolment.cohort),
        selectinload(Submission.assignment).selectinload(Assignment.module),
        selectinload(Submission.versions), selectinload(Submission.reviewer),
    ).order_by(Submission.submitted_at, Submission.id).limit(bindparam("limit"))


def grading_queue(user: User, filters: QueueFilter, limit: int = 500) -> list[Submission]:
    """Handed-in submissions of the user's cohorts, the longest waiting first."""
    statement = _grading_queue_statement(*_shape(user, filters))
    return list(db.session.scalars(statement, {**_params(user, filters), "limit": limit}))


class QueueRow(NamedTuple):
    """A row of the grading queue page, in the order of `_queue_rows_select`'s columns. A named tuple
    rather than SQLAlchemy's Row: the template reads a dozen fields per row, and a Row's attribute
    lookup is Python code (about 0.5 µs, ten times a named tuple's; issue 17)."""
    id: int
    submitted_at: datetime | None
    status: str
    learner_name: str
    assignment_title: str
    module_title: str
    cohort_name: str
    reviewer_name: str | None
    version_number: int | None
    late: bool | None


# a QueueRow from a result row: tuple.__new__ is C, where QueueRow._make is Python (issue 17)
_queue_row = functools.partial(tuple.__new__, QueueRow)


@functools.cache
def _queue_rows_select():
    """The columns and joins of the queue's rows, built once per process: building them per
    request cost a tenth of the page (the filters are added per request)."""
    learner, reviewer, latest = aliased(User), aliased(User), aliased(SubmissionVersion)
    last_number = (select(func.max(SubmissionVersion.number)).where(SubmissionVersion.submission_id == Submission.id)
                   .correlate(Submission).scalar_subquery())
    return (
        # the status as its stored string: the template compares and shows it, and an enum's .value
        # per row costs more than the row
        select(Submission.id, Submission.submitted_at, type_coerce(Submission.status, String).label("status"),
               learner.name.label("learner_name"), Assignment.title.label("assignment_title"), Module.title.label("module_title"),
               Cohort.name.label("cohort_name"), reviewer.name.label("reviewer_name"), latest.number.label("version_number"), latest.late)
        .select_from(Submission).join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .join(Assignment, Submission.assignment_id == Assignment.id)
        .join(learner, Enrolment.user_id == learner.id).join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(Module, Assignment.module_id == Module.id).outerjoin(reviewer, Submission.reviewer_id == reviewer.id)
        .outerjoin(latest, (latest.submission_id == Submission.id) & (latest.number == last_number))
    )


@functools.cache
def _queue_rows_statement(*shape):
    return _where(_queue_rows_select(), *shape).order_by(Submission.submitted_at, Submission.id).limit(bindparam("limit"))


def queue_rows(user: User, filters: QueueFilter, limit: int = 500) -> list[QueueRow]:
    """The grading queue page's rows: `grading_queue` as plain rows of the columns the table shows,
    in one statement (issue 17: it was eight, and building the objects cost half the page)."""
    statement = _queue_rows_statement(*_shape(user, filters))
    # .all(): one fetchall, where iterating the result fetches row by row (three calls a row)
    return list(map(_queue_row, read_rows(statement, {**_params(user, filters), "limit": limit}).all()))


def waiting_count_select(every_cohort: bool, before: tuple = (), after: tuple = ()):
    """waiting_count's statement, with other columns around the count for a page that reads the
    count in a union of its own (issue 17); for a trainer, the user's id bound as `user_id`."""
    return _where(select(*before, func.count(Submission.id), *after).join(Enrolment, Submission.enrolment_id == Enrolment.id),
                  every_cohort, False, False, OPEN)


@functools.cache
def _waiting_count_statement(every_cohort: bool):
    return waiting_count_select(every_cohort)


def waiting_count(user: User) -> int:
    """The navigation badge on every trainer page: submissions waiting for a grade in the user's
    cohorts — one statement, built once per process (building it per request was 5-10 % of a
    trainer's page), read as a plain count without the session's ORM execution path (issue 17;
    the layout asks for it once the view has committed or rolled back)."""
    if user.role not in (Role.TRAINER, Role.ADMIN):
        return 0
    every = grades_every_cohort(user)
    return read_rows(_waiting_count_statement(every), {} if every else {"user_id": user.id}).scalar() or 0


def next_in_queue(user: User, filters: QueueFilter, after: Submission) -> Submission | None:
    """The next waiting submission after grading `after` ("save and next")."""
    waiting = QueueFilter(filters.cohort_id, filters.module_id, OPEN)
    return next((s for s in grading_queue(user, waiting) if s.id != after.id), None)


class FilterCohort(NamedTuple):
    id: int
    name: str
    course_id: int


class FilterModule(NamedTuple):
    id: int
    title: str


@functools.cache
def _filter_choices_statement(every_cohort: bool):
    """The cohorts the user grades (newest first) and the modules with assignments of their courses
    (by course and position), as one union told apart by `kind`: one read per view instead of two
    (issue 17). Built once per process; for a trainer, the user's id is bound per request."""
    def graded(query):
        return query if every_cohort else query.where(Cohort.id.in_(cohort_ids_graded_by(bindparam("user_id"))))

    cohorts = graded(select(literal("cohort").label("kind"), Cohort.id.label("id"), Cohort.name.label("label"),
                            Cohort.course_id.label("course_id"), Cohort.starts_on.label("starts_on"),
                            Cohort.name.label("cohort_name"), null().label("position")))
    modules = select(literal("module"), Module.id, Module.title, Module.course_id, null(), null(), Module.position).where(
        Module.course_id.in_(graded(select(Cohort.course_id))), Module.archived_at.is_(None), Module.assignments.any())
    choices = union_all(cohorts, modules).subquery()
    return select(choices.c.kind, choices.c.id, choices.c.label, choices.c.course_id).order_by(
        choices.c.kind, choices.c.starts_on.desc(), choices.c.cohort_name, choices.c.course_id, choices.c.position)


def filter_choices(user: User) -> tuple[list[FilterCohort], list[FilterModule]]:
    """What the queue's filter offers: the cohorts the user grades, and the modules with assignments
    in those cohorts' courses."""
    every = grades_every_cohort(user)
    cohorts, modules = [], []
    for kind, id_, label, course_id in read_rows(_filter_choices_statement(every), {} if every else {"user_id": user.id}):
        if kind == "cohort":
            cohorts.append(FilterCohort(id_, label, course_id))
        else:
            modules.append(FilterModule(id_, label))
    return cohorts, modules


class QueuePage(NamedTuple):
    cohorts: list[FilterCohort]  # the filter's choices, as filter_choices
    modules: list[FilterModule]
    rows: list[QueueRow]  # as queue_rows
    waiting: int  # the navigation badge's count, as waiting_count


@functools.cache
def _queue_page_statement(*shape):
    """The queue page's three reads — its rows (queue_rows), the filter's choices (filter_choices)
    and the navigation badge's count (waiting_count) — in one union told apart by `kind`: on
    PostgreSQL each statement is a round trip that costs the app about a third of a hello world
    (issue 17). The rows keep their own order and LIMIT inside a subquery; the union is ordered by
    kind, then by each part's own order (the other parts' order columns are null there). Columns:
    kind, the rows' ten (a choice's label in `learner_name`, the count in `id`), a choice's course
    id. The nulls of the first select are typed: PostgreSQL types a union's columns pair by pair,
    and two untyped nulls would make a text column."""
    every_cohort = shape[0]

    def graded(query):
        return query if every_cohort else query.where(Cohort.id.in_(cohort_ids_graded_by(bindparam("user_id"))))

    rows = _queue_rows_statement(*shape).subquery()
    blank = (null(),) * 6
    page = union_all(
        select(literal("row").label("kind"), *rows.c, cast(null(), Integer).label("course_id"), cast(null(), Date).label("starts_on"),
               cast(null(), String).label("cohort_order"), cast(null(), Integer).label("position")),
        graded(select(literal("cohort"), Cohort.id, *blank[:2], Cohort.name, *blank, Cohort.course_id, Cohort.starts_on, Cohort.name,
                      null())),
        select(literal("module"), Module.id, *blank[:2], Module.title, *blank, Module.course_id, null(), null(), Module.position).where(
            Module.course_id.in_(graded(select(Cohort.course_id))), Module.archived_at.is_(None), Module.assignments.any()),
        waiting_count_select(every_cohort, (literal("count"),), (*blank, *blank, null())),
    ).subquery()
    return select(*list(page.c)[:12]).order_by(page.c.kind, page.c.starts_on.desc(), page.c.cohort_order, page.c.course_id,
                                                page.c.position, page.c.submitted_at, page.c.id)


def queue_page(user: User, filters: QueueFilter, limit: int = 500) -> QueuePage:
    """What the grading queue page reads, in one statement: its rows, the filter's choices and the
    navigation badge's count."""
    cohorts, modules, rows, waiting = [], [], [], 0
    statement = _queue_page_statement(*_shape(user, filters))
    for row in read_rows(statement, {**_params(user, filters), "limit": limit}).all():
        kind = row[0]
        if kind == "row":
            rows.append(_queue_row(row[1:11]))
        elif kind == "cohort":
            cohorts.append(FilterCohort(row[1], row[4], row[11]))
        elif kind == "module":
            modules.append(FilterModule(row[1], row[4]))
        else:
            waiting = row[1]
    return QueuePage(cohorts, modules, rows, waiting)


def assignments_of(cohort: Cohort) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).join(Module).where(Module.course_id == cohort.course_id, Assignment.archived_at.is_(None))
        .order_by(Module.position, Assignment.position)
    ))


# ---------------------------------------------------------------- ZIP export

def _safe(name: str) -> str:
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", name).strip(" .")
    return name[:120] or "datei"


def _cohort_submissions(cohort: Cohort, assignment: Assignment):
    return (select(Submission).join(Enrolment, Submission.enrolment_id == Enrolment.id)
            .where(Enrolment.cohort_id == cohort.id, Submission.assignment_id == assignment.id))


def cohort_submission_file_count(cohort: Cohort, assignment: Assignment) -> int:
    """The number of uploaded files the cohort's ZIP will hold (the choice: at once or prepared)."""
    submissions = _cohort_submissions(cohort, assignment).with_only_columns(Submission.id).scalar_subquery()
    return db.session.scalar(
        select(func.count(SubmissionFile.id)).join(SubmissionVersion, SubmissionFile.version_id == SubmissionVersion.id)
        .where(SubmissionVersion.submission_id.in_(submissions))) or 0


def write_cohort_submissions_zip(cohort: Cohort, assignment: Assignment, store: FileStore, out: IO[bytes],
                                 progress: Callable[[int, int], None] | None = None) -> None:
    """Writes into `out` a ZIP of every handed-in version of this assignment in the cohort:
    `<Name> (<id>)/version-<n>/text.md` and the files, plus `uebersicht.csv`. Calls
    progress(files copied, files in all) after each file."""
    submissions = db.session.scalars(
        _cohort_submissions(cohort, assignment)
        .options(selectinload(Submission.enrolment).selectinload(Enrolment.user),
                 selectinload(Submission.versions).selectinload(SubmissionVersion.files),
                 selectinload(Submission.versions).selectinload(SubmissionVersion.gradings))
    ).all()
    submissions = sorted(submissions, key=lambda s: (s.enrolment.user.name.lower(), s.id))
    total = sum(len(version.files) for submission in submissions for version in submission.versions)
    copied = 0
    overview = io.StringIO()
    writer = csv.writer(overview, delimiter=";")
    writer.writerow(["Name", "E-Mail", "Version", "Abgegeben (UTC)", "Verspätet", "Status", "Punkte", "Dateien"])
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for submission in submissions:
            user = submission.enrolment.user
            folder = f"{_safe(user.name)} ({submission.enrolment_id})"
            for version in submission.versions:
                base = f"{folder}/version-{version.number}"
                if version.text:
                    archive.writestr(f"{base}/text.md", version.text)
                used: set[str] = set()
                for row in version.files:
                    name = _safe(row.filename)
                    stem, dot, ext = name.rpartition(".")
                    counter = 2
                    while name.lower() in used:
                        name = f"{stem or ext} ({counter}){dot}{ext if stem else ''}"
                        counter += 1
                    used.add(name.lower())
                    with store.open(row.storage_key) as source, archive.open(f"{base}/{name}", "w") as target:
                        while chunk := source.read(1024 * 1024):
                            target.write(chunk)
                    copied += 1
                    if progress is not None:
                        progress(copied, total)
                grading = version.latest_grading
                writer.writerow([
                    user.name, user.email, version.number, version.submitted_at.strftime("%Y-%m-%d %H:%M"),
                    "ja" if version.late else "nein",
                    grading.decision.value if grading else (submission.status.value if version is submission.latest_version else ""),
                    f"{grading.points:g}" if grading else "", len(version.files),
                ])
        archive.writestr("uebersicht.csv", "\ufeff" + overview.getvalue())
