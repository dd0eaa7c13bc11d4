"""The progress matrix of a cohort (learners × modules), built from plain data.

Pure: the caller (``queries.progress_matrix``) loads the course structure and the stored
ProgressItem rows in a fixed number of queries; everything here is arithmetic, sorting and
filtering on those values."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

SORT_KEYS = ("name", "municipality", "status", "progress", "activity")
FILTERS = ("inactive",)


@dataclass(frozen=True)
class ModuleColumn:
    id: int
    position: int
    title: str
    lesson_ids: frozenset[int]
    quiz_ids: frozenset[int]
    assignment_ids: frozenset[int]  # required assignments


# Learners, their done items and the cells are named tuples: a query's rows become them without a
# Python __init__ per row, and a row of cells can key the page's rendered HTML (a tuple's hash is C code).

class Learner(NamedTuple):
    enrolment_id: int
    user_id: int
    name: str
    email: str
    municipality: str
    district_ags: str | None
    status: str
    enrolled_at: datetime
    items_done: int
    items_total: int
    last_completed_at: datetime | None = None  # the learner's latest stored item


class Cell(NamedTuple):

    lessons_done: int
    lessons_total: int
    quiz: str | None  # "passed", "open", or None (module without quiz)
    quiz_score: str | None
    assignment: str | None  # "passed", "open", or None (no required assignment)
    assignments_done: int
    assignments_total: int
    module_done: bool


class Row(NamedTuple):
    learner: Learner
    cells: tuple[Cell, ...]
    last_activity: datetime
    percent: int  # of the learner's stored items done

    def inactive_days(self, now: datetime) -> int:
        return max((now - self.last_activity).days, 0)


# A Cell, Row or Learner from one tuple of its fields: tuple.__new__ is C, where calling the class goes through
# the Python-level __new__ that namedtuple writes — per cell of every learner, that call was a third
# of building the rows (issue 17).
_cell = functools.partial(tuple.__new__, Cell)
_row = functools.partial(tuple.__new__, Row)
new_learner = functools.partial(tuple.__new__, Learner)  # from a query's row in the order of the fields


@dataclass
class Totals:
    learners: int
    modules_done: list[int] = field(default_factory=list)  # per module: learners who completed it
    quizzes_passed: list[int] = field(default_factory=list)
    average_percent: int = 0
    inactive: int = 0


def build_rows(columns: list[ModuleColumn], learners: list[Learner], done: dict[int, tuple[set, dict, set, set]]) -> list[Row]:
    """`done`: per enrolment id, what its stored progress items hold — the ids of the lessons, the
    quizzes (id → detail, the score), the assignments and the modules done — as
    queries.matrix_page gathers them while reading (a second pass over every item cost a tenth of
    a 1,000-learner matrix; issue 17). An enrolment without stored items may be missing."""
    shapes = [(c.id, c.lesson_ids, len(c.lesson_ids), tuple(c.quiz_ids), c.assignment_ids, len(c.assignment_ids)) for c in columns]
    untouched = None  # the cells of a learner without any stored item: the same for all of them
    rows = []
    for learner in learners:
        items = done.get(learner.enrolment_id)
        if items is None:
            if untouched is None:
                untouched = _cells(shapes, set(), {}, set(), set())
            cells = untouched
        else:
            cells = _cells(shapes, *items)
        last = learner.enrolled_at if learner.last_completed_at is None else max(learner.enrolled_at, learner.last_completed_at)
        percent = round(100 * learner.items_done / learner.items_total) if learner.items_total else 0
        rows.append(_row((learner, cells, last, percent)))
    return rows


def _cells(shapes: list[tuple], lessons: set, quizzes: dict, assignments: set, modules: set) -> tuple[Cell, ...]:
    cells = []
    for module_id, lesson_ids, lessons_total, quiz_ids, assignment_ids, assignments_total in shapes:
        quiz = score = None
        if quiz_ids:  # passed when every quiz of the module is; the score: the first done quiz's
            done = 0
            if quizzes:
                for quiz_id in quiz_ids:
                    if quiz_id in quizzes:
                        if not done:
                            score = quizzes[quiz_id]
                        done += 1
            quiz = "passed" if done == len(quiz_ids) else "open"
        assignments_done = len(assignment_ids & assignments) if assignments else 0
        cells.append(_cell((
            len(lesson_ids & lessons) if lessons else 0, lessons_total, quiz, score,
            None if not assignments_total else ("passed" if assignments_done == assignments_total else "open"),
            assignments_done, assignments_total, module_id in modules,
        )))
    return tuple(cells)


def sort_rows(rows: list[Row], key: str = "name", descending: bool = False) -> list[Row]:
    if key not in SORT_KEYS:
        key = "name"
    keyfunc = {
        "name": lambda r: (r.learner.name.casefold(), r.learner.email),
        "municipality": lambda r: (r.learner.municipality.casefold(), r.learner.name.casefold()),
        "status": lambda r: (r.learner.status, r.learner.name.casefold()),
        "progress": lambda r: (r.percent, r.learner.name.casefold()),
        "activity": lambda r: (r.last_activity, r.learner.name.casefold()),
    }[key]
    return sorted(rows, key=keyfunc, reverse=descending)


def filter_rows(rows: list[Row], now: datetime, inactive_days: int | None = None) -> list[Row]:
    """``inactive_days``: only learners whose last activity (a completed item, or the enrolment
    itself) is at least that many days ago."""
    if inactive_days is not None:
        rows = [r for r in rows if now - r.last_activity >= timedelta(days=inactive_days)]
    return rows


def totals(rows: list[Row], columns: list[ModuleColumn], now: datetime, inactive_days: int = 14) -> Totals:
    result = Totals(learners=len(rows))
    result.modules_done = [sum(1 for r in rows if r.cells[i].module_done) for i in range(len(columns))]
    result.quizzes_passed = [sum(1 for r in rows if r.cells[i].quiz == "passed") for i in range(len(columns))]
    result.average_percent = round(sum(r.percent for r in rows) / len(rows)) if rows else 0
    result.inactive = len(filter_rows(rows, now, inactive_days))
    return result


def table(rows: list[Row], columns: list[ModuleColumn], labels: dict[str, str], district_name=lambda ags: ags or "",
          format_time=lambda value: value.isoformat()) -> list[list]:
    """The matrix as a plain table (header first) for CSV/XLSX export. ``labels`` holds the
    translated words: name, email, municipality, district, status, lessons, quiz, assignment,
    progress, activity, passed, open, none, and one per status value."""
    header = [labels["name"], labels["email"], labels["municipality"], labels["district"], labels["status"]]
    for column in columns:
        header += [f"{column.position}. {column.title} – {labels['lessons']}",
                   f"{column.position}. {column.title} – {labels['quiz']}",
                   f"{column.position}. {column.title} – {labels['assignment']}"]
    header += [labels["progress"], labels["activity"]]
    word = {"passed": labels["passed"], "open": labels["open"], None: labels["none"]}
    out: list[list] = [header]
    for row in rows:
        learner = row.learner
        line: list = [learner.name, learner.email, learner.municipality, district_name(learner.district_ags),
                      labels.get(learner.status, learner.status)]
        for cell in row.cells:
            quiz = word[cell.quiz] + (f" ({cell.quiz_score} %)" if cell.quiz == "passed" and cell.quiz_score else "")
            line += [f"{cell.lessons_done}/{cell.lessons_total}", quiz, word[cell.assignment]]
        line += [row.percent, format_time(row.last_activity)]
        out.append(line)
    return out
