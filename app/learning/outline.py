"""The course outline and lesson texts as plain objects, kept per process (lesson page, dashboard,
assignment page, quiz overview).

Course content changes only when `catalogue.services.import_course` writes it, and every such
write gives the course a new `content_hash` and `imported_at`. So the outline (modules and their
lessons, assignments and quizzes: slugs, titles, positions, prerequisites, an assignment's
instructions, settings and rubric, a quiz's settings and number of questions, archived or not) and
the lesson texts are read
from the database once per course version and process; a request only reads the course's version
(one small row, with the enrolment: app.learning.access) to know whether what it holds is current. What a learner may see (enrolment,
progress, release dates) is never cached — it is read per request as before.

Plain objects instead of ORM instances: building the joined outline as ORM objects (identity map,
one row per lesson repeating course and module) was about a third of the lesson page's time."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select

from app.catalogue.models import Assignment, Course, Lesson, Module, Quiz
from app.extensions import db

_TEXTS_PER_PROCESS = 512  # lesson texts kept (about 10 KB each); the outlines are few and small


@dataclass(eq=False)
class OutlineLesson:
    id: int
    module_id: int
    slug: str
    position: int
    title: str
    archived_at: datetime | None
    module: "OutlineModule | None" = None


@dataclass(eq=False)
class OutlineAssignment:
    """What the dashboard and the assignment page read of an assignment (shared between requests:
    `settings` and `rubric` are read only)."""
    id: int
    module_id: int
    slug: str
    position: int
    title: str
    due_days: int | None
    archived_at: datetime | None
    module: "OutlineModule"
    instructions_html: str = ""
    settings: dict = field(default_factory=dict)
    rubric: list = field(default_factory=list)


@dataclass(eq=False)
class OutlineQuiz:
    """What the quiz overview reads of a quiz: not its questions (the answers are in them), only
    how many there are (shared between requests: `settings` is read only)."""
    id: int
    module_id: int
    slug: str
    title: str
    settings: dict
    question_count: int
    archived_at: datetime | None
    module: "OutlineModule"

    @property
    def pass_mark(self) -> float:  # as Quiz.pass_mark
        return float(self.settings.get("pass_mark", 75))


@dataclass(eq=False)
class OutlineModule:
    id: int
    course_id: int
    slug: str
    position: int
    title: str
    hours: float
    prerequisites: list
    archived_at: datetime | None
    lessons: list[OutlineLesson] = field(default_factory=list)
    assignments: list[OutlineAssignment] = field(default_factory=list)
    quizzes: list[OutlineQuiz] = field(default_factory=list)
    course: "OutlineCourse | None" = None


@dataclass(eq=False)
class OutlineCourse:
    id: int
    slug: str
    title: str
    archived_at: datetime | None
    modules: list[OutlineModule] = field(default_factory=list)
    version: tuple = ()
    lessons_by_id: dict[int, OutlineLesson] = field(default_factory=dict)
    modules_by_id: dict[int, OutlineModule] = field(default_factory=dict)


@dataclass(frozen=True)
class LessonText:
    body_html: str
    toc: list


_outlines: dict[str, OutlineCourse] = {}  # course slug → outline of the version last read
_texts: dict[tuple, LessonText] = {}  # (course version, lesson id) → text
_lock = threading.Lock()


def outline_of_version(slug: str, version: tuple) -> OutlineCourse:
    """The course's outline for `version` (id, content_hash, imported_at), which the caller read in
    this request (app.learning.access.version_and_enrolment_row_or_404)."""
    outline = _outlines.get(slug)
    if outline is None or outline.version != version:
        outline = _read_outlines({version[0]: version})[version[0]]
        with _lock:
            _outlines[slug] = outline
    return outline


def outlines_of(courses) -> dict[int, OutlineCourse]:
    """Course id → outline, for courses the caller has read (so their version is known): no
    statement when every outline is current, three for all the others together."""
    result: dict[int, OutlineCourse] = {}
    missing: dict[int, tuple] = {}
    for course in courses:
        version = (course.id, course.content_hash, course.imported_at)
        outline = _outlines.get(course.slug)
        if outline is not None and outline.version == version:
            result[course.id] = outline
        else:
            missing[course.id] = version
    if missing:
        read = _read_outlines(missing)
        with _lock:
            for outline in read.values():
                _outlines[outline.slug] = outline
        result.update(read)
    return result


_OUTLINE_ROWS = (
    select(Course.id, Course.slug, Course.title, Course.archived_at,
           Module.id, Module.slug, Module.position, Module.title, Module.hours, Module.prerequisites, Module.archived_at,
           Lesson.id, Lesson.slug, Lesson.position, Lesson.title, Lesson.archived_at)
    .select_from(Course).outerjoin(Module, Module.course_id == Course.id).outerjoin(Lesson, Lesson.module_id == Module.id)
    .where(Course.id.in_(bindparam("course_ids", expanding=True)))
    .order_by(Course.id, Module.position, Module.id, Lesson.position, Lesson.id)
)
_ASSIGNMENT_ROWS = (
    select(Assignment.id, Assignment.module_id, Assignment.slug, Assignment.position, Assignment.title, Assignment.settings,
           Assignment.archived_at, Assignment.instructions_html, Assignment.rubric)
    .join(Module, Assignment.module_id == Module.id)
    .where(Module.course_id.in_(bindparam("course_ids", expanding=True)))
    .order_by(Assignment.position, Assignment.id)
)
# the number of questions counted by the database: the question list (answers included, 24 KB for
# the demo quiz) is neither sent nor parsed
_QUIZ_ROWS = (
    select(Quiz.id, Quiz.module_id, Quiz.slug, Quiz.title, Quiz.settings, func.json_array_length(Quiz.questions), Quiz.archived_at)
    .join(Module, Quiz.module_id == Module.id)
    .where(Module.course_id.in_(bindparam("course_ids", expanding=True)))
    .order_by(Quiz.id)
)


def _read_outlines(versions: dict[int, tuple]) -> dict[int, OutlineCourse]:
    courses: dict[int, OutlineCourse] = {}
    modules: dict[int, OutlineModule] = {}
    for (course_id, course_slug, course_title, course_archived, module_id, module_slug, module_position, module_title, hours,
         prerequisites, module_archived, lesson_id, lesson_slug, lesson_position, lesson_title, lesson_archived) in db.session.execute(
            _OUTLINE_ROWS, {"course_ids": list(versions)}):
        course = courses.get(course_id)
        if course is None:
            course = courses[course_id] = OutlineCourse(course_id, course_slug, course_title, course_archived, version=versions[course_id])
        if module_id is None:
            continue
        module = modules.get(module_id)
        if module is None:
            module = modules[module_id] = OutlineModule(module_id, course_id, module_slug, module_position, module_title, hours,
                                                        list(prerequisites or []), module_archived, course=course)
            course.modules.append(module)
            course.modules_by_id[module_id] = module
        if lesson_id is not None:
            lesson = OutlineLesson(lesson_id, module_id, lesson_slug, lesson_position, lesson_title, lesson_archived, module)
            module.lessons.append(lesson)
            course.lessons_by_id[lesson_id] = lesson
    for assignment_id, module_id, slug, position, title, settings, archived_at, instructions_html, rubric in db.session.execute(
            _ASSIGNMENT_ROWS, {"course_ids": list(courses)}):
        module = modules.get(module_id)
        if module is None:  # a module imported between the reads (PostgreSQL reads committed rows per statement)
            continue
        settings = settings or {}
        module.assignments.append(OutlineAssignment(assignment_id, module_id, slug, position, title, settings.get("due_days"),
                                                    archived_at, module, instructions_html, settings, rubric))
    for quiz_id, module_id, slug, title, settings, question_count, archived_at in db.session.execute(
            _QUIZ_ROWS, {"course_ids": list(courses)}):
        module = modules.get(module_id)
        if module is not None:
            module.quizzes.append(OutlineQuiz(quiz_id, module_id, slug, title, settings, question_count, archived_at, module))
    return courses


def lesson_text(course: OutlineCourse, lesson: OutlineLesson) -> LessonText:
    """The lesson's HTML (rendered at import) and table of contents, for this course version."""
    key = (course.version, lesson.id)
    text = _texts.get(key)
    if text is None:
        body_html, toc = db.session.execute(select(Lesson.body_html, Lesson.toc).where(Lesson.id == lesson.id)).one()
        text = LessonText(body_html, list(toc or []))
        with _lock:
            if len(_texts) >= _TEXTS_PER_PROCESS:
                _texts.clear()  # rare (more lessons read than kept): start over rather than track use
            _texts[key] = text
    return text


def clear() -> None:
    """Forget every outline and text (tests that rewrite content rows by hand)."""
    with _lock:
        _outlines.clear()
        _texts.clear()
