"""Importing courses: syncs CourseData from the loader into the database.

Idempotent: items are matched by slug, and an item whose content hash is unchanged is not
touched. Items missing from the files are archived, never deleted, so progress, attempts and
submissions that point at them stay intact."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, url_for
from sqlalchemy import select

from app import clock
from app.catalogue.coursedata import CourseData
from app.catalogue.frontmatter import Problem
from app.catalogue.inventory import CourseUrls
from app.catalogue.loader import content_hash, find_courses, load_course
from app.catalogue.models import Assignment, Course, Lesson, MediaFile, Module, Quiz
from app.events import course_imported
from app.extensions import db


class AppCourseUrls(CourseUrls):
    """The loader's URL scheme, taken from the app's routes (needs a request context)."""

    def lesson(self, course, module, lesson):
        return url_for("learning.lesson", course_slug=course, module_slug=module, lesson_slug=lesson)

    def quiz(self, course, module):
        return url_for("quizzes.overview", course_slug=course, module_slug=module)

    def assignment(self, course, module, assignment):
        return url_for("assignments.assignment", course_slug=course, module_slug=module, assignment_slug=assignment)

    def media(self, course, path):
        return url_for("catalogue.media", course_slug=course, path=path)


@dataclass
class ImportReport:
    course: str
    created: int = 0
    updated: int = 0
    archived: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.course}: {self.created} created, {self.updated} updated, "
                f"{self.archived} archived, {self.unchanged} unchanged")


def validate_path(path: Path, skip_unchanged: bool = False) -> tuple[list[CourseData], list[Problem]]:
    """Loads every course under `path`. With skip_unchanged, a course whose files hash to what
    was imported last time is not parsed again (it was valid then)."""
    courses, problems = [], []
    roots = find_courses(path)
    if not roots:
        problems.append(Problem(str(path), 1, "no course found: a course folder holds a course.yml"))
    if skip_unchanged:
        imported = dict(db.session.execute(select(Course.slug, Course.content_hash).where(Course.archived_at.is_(None))).all())
        roots = [root for root in roots if imported.get(root.name) != content_hash(root)]
    designs = Path(current_app.config["CERTIFICATE_DESIGNS_DIR"])
    with current_app.test_request_context("/"):
        for root in roots:
            course, found = load_course(root, AppCourseUrls(), designs_dir=designs)
            problems.extend(found)
            if course:
                courses.append(course)
    return courses, problems


def _sync(existing: dict[str, object], wanted: dict[str, object], create, update, report: ImportReport) -> dict[str, object]:
    """Generic sync of children keyed by slug; returns slug → row for the wanted items."""
    rows = {}
    for slug, data in wanted.items():
        row = existing.get(slug)
        if row is None:
            row = create(data)
            db.session.add(row)
            report.created += 1
        elif row.content_hash != data.content_hash or row.archived_at is not None or getattr(row, "position", None) != getattr(data, "position", None):
            update(row, data)
            row.content_hash = data.content_hash
            row.archived_at = None
            report.updated += 1
        else:
            report.unchanged += 1
        rows[slug] = row
    now = clock.now()
    for slug, row in existing.items():
        if slug not in wanted and row.archived_at is None:
            row.archived_at = now
            report.archived += 1
    return rows


def import_course(data: CourseData) -> ImportReport:
    """Writes the course's content; publishes course_imported (progress recounts the totals)."""
    report = ImportReport(data.slug)
    course = db.session.scalar(select(Course).where(Course.slug == data.slug))
    fields = dict(title=data.title, version=data.version, language=data.language, hours=data.hours,
                  summary=data.summary, certificate=data.certificate, completion=data.completion)
    if course is None:
        course = Course(slug=data.slug, content_hash="", **fields)
        db.session.add(course)
        db.session.flush()
        report.created += 1
    elif course.content_hash == data.content_hash and course.archived_at is None:
        report.unchanged += 1
        return report
    else:
        for key, value in fields.items():
            setattr(course, key, value)
        course.archived_at = None
        report.updated += 1
    course.content_hash = data.content_hash
    course.imported_at = clock.now()

    existing_modules = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}

    def module_fields(row: Module, m) -> None:
        row.position, row.title, row.summary, row.hours = m.position, m.title, m.summary, m.hours
        row.objectives, row.prerequisites, row.final_project = m.objectives, m.prerequisites, m.final_project

    def new_module(m) -> Module:
        row = Module(course=course, slug=m.slug, content_hash=m.content_hash)
        module_fields(row, m)
        return row

    modules = _sync(existing_modules, {m.slug: m for m in data.modules}, new_module, module_fields, report)
    db.session.flush()
    module_ids = [m.id for m in modules.values()] + [m.id for m in existing_modules.values()]
    lessons_by_module = _children(Lesson, module_ids)
    quizzes_by_module = _children(Quiz, module_ids)
    assignments_by_module = _children(Assignment, module_ids)
    for m in data.modules:
        row = modules[m.slug]

        def lesson_fields(lesson: Lesson, d) -> None:
            lesson.position, lesson.title, lesson.minutes = d.position, d.title, d.minutes
            lesson.body_html, lesson.toc, lesson.source_path = d.body_html, d.toc, d.source_path

        _sync(lessons_by_module.get(row.id, {}), {l.slug: l for l in m.lessons},
              lambda d, row=row: _new(Lesson, lesson_fields, d, row), lesson_fields, report)

        def quiz_fields(quiz: Quiz, d) -> None:
            quiz.title, quiz.settings = d.title, {**d.settings, "intro_html": d.intro_html}
            quiz.questions = d.questions

        _sync(quizzes_by_module.get(row.id, {}), {m.quiz.slug: m.quiz} if m.quiz else {},
              lambda d, row=row: _new(Quiz, quiz_fields, d, row), quiz_fields, report)

        def assignment_fields(a: Assignment, d) -> None:
            a.position, a.title, a.instructions_html = d.position, d.title, d.instructions_html
            a.settings, a.rubric = d.settings, d.rubric

        _sync(assignments_by_module.get(row.id, {}), {a.slug: a for a in m.assignments},
              lambda d, row=row: _new(Assignment, assignment_fields, d, row), assignment_fields, report)
    for module in existing_modules.values():
        if module.slug not in modules:  # children of an archived module are archived with it
            for children in (lessons_by_module, quizzes_by_module, assignments_by_module):
                for child in children.get(module.id, {}).values():
                    child.archived_at = child.archived_at or clock.now()
    _sync_media(course, data)
    db.session.flush()
    course_imported.send(course)
    return report


def _children(model, module_ids: list[int]) -> dict[int, dict[str, object]]:
    grouped: dict[int, dict[str, object]] = {}
    if module_ids:
        for row in db.session.scalars(select(model).where(model.module_id.in_(module_ids))):
            grouped.setdefault(row.module_id, {})[row.slug] = row
    return grouped


def _new(model, fill, data, module):
    row = model(module=module, slug=data.slug, content_hash=data.content_hash)
    fill(row, data)
    return row


def _sync_media(course: Course, data: CourseData) -> None:
    existing = {m.path: m for m in db.session.scalars(select(MediaFile).where(MediaFile.course_id == course.id))}
    for media in data.media:
        row = existing.pop(media.path, None)
        if row is None:
            db.session.add(MediaFile(course_id=course.id, path=media.path, content_type=media.content_type, sha256=media.sha256, data=media.data))
        elif row.sha256 != media.sha256:
            row.data, row.sha256, row.content_type = media.data, media.sha256, media.content_type
    for row in existing.values():  # media of old lesson versions are no longer linked from anywhere
        db.session.delete(row)


def import_path(path: Path) -> tuple[list[ImportReport], list[Problem]]:
    """Validates everything under `path` that changed since the last import; imports nothing if
    any course has an error."""
    courses, problems = validate_path(path, skip_unchanged=True)
    known = {c.slug for c in courses}
    unchanged = [ImportReport(root.name, unchanged=1) for root in find_courses(path) if root.name not in known]
    if any(p.severity == "error" for p in problems):
        return [], problems
    with current_app.test_request_context("/"):
        reports = [import_course(course) for course in courses]
    return sorted(reports + unchanged, key=lambda r: r.course), problems
