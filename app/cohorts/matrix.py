"""The progress matrix of a cohort (learners × modules), built from plain data.

Pure: the caller (``queries.progress_matrix``) loads the course structure and the stored
ProgressItem rows in a fixed number of queries; everything here is arithmetic, sorting and
filtering on those values."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


@dataclass(frozen=True)
class Learner:
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


@dataclass(frozen=True)
class Done:
    """One stored ProgressItem row."""

    enrolment_id: int
    item_type: str  # ItemType value
    item_id: int
    completed_at: datetime
    detail: str | None = None


@dataclass
class Cell:
    lessons_done: int
    lessons_total: int
    quiz: str | None  # "passed", "open", or None (module without quiz)
    quiz_score: str | None
    assignment: str | None  # "passed", "open", or None (no required assignment)
    assignments_done: int
    assignments_total: int
    module_done: bool


@dataclass
class Row:
    learner: Learner
    cells: list[Cell]
    last_activity: datetime

    @property
    def percent(self) -> int:
        if not self.learner.items_total:
            return 0
        return round(100 * self.learner.items_done / self.learner.items_total)

    def inactive_days(self, now: datetime) -> int:
        return max((now - self.last_activity).days, 0)


@dataclass
class Totals:
    learners: int
    modules_done: list[int] = field(default_factory=list)  # per module: learners who completed it
    quizzes_passed: list[int] = field(default_factory=list)
    average_percent: int = 0
    inactive: int = 0


def build_rows(columns: list[ModuleColumn], learners: list[Learner], done: list[Done]) -> list[Row]:
    by_enrolment: dict[int, list[Done]] = {}
    for item in done:
        by_enrolment.setdefault(item.enrolment_id, []).append(item)
    rows = []
    for learner in learners:
        items = by_enrolment.get(learner.enrolment_id, [])
        lessons = {i.item_id for i in items if i.item_type == "lesson"}
        quizzes = {i.item_id: i.detail for i in items if i.item_type == "quiz"}
        assignments = {i.item_id for i in items if i.item_type == "assignment"}
        modules = {i.item_id for i in items if i.item_type == "module"}
        cells = []
        for column in columns:
            quiz_done = [q for q in column.quiz_ids if q in quizzes]
            assignments_done = len(column.assignment_ids & assignments)
            cells.append(Cell(
                lessons_done=len(column.lesson_ids & lessons),
                lessons_total=len(column.lesson_ids),
                quiz=None if not column.quiz_ids else ("passed" if len(quiz_done) == len(column.quiz_ids) else "open"),
                quiz_score=quizzes.get(quiz_done[0]) if quiz_done else None,
                assignment=None if not column.assignment_ids else (
                    "passed" if assignments_done == len(column.assignment_ids) else "open"),
                assignments_done=assignments_done,
                assignments_total=len(column.assignment_ids),
                module_done=column.id in modules,
            ))
        last = max([learner.enrolled_at, *(i.completed_at for i in items)])
        rows.append(Row(learner=learner, cells=cells, last_activity=last))
    return rows


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
