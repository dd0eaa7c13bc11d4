"""The parts of the lesson page that are the same for every learner — breadcrumbs, the lesson with
its table of contents, the pager — rendered once per course version, lesson, language and script
root, and kept per app (issue 17: a dozen translations, six `url_for` and the table of contents'
loop on every request, for the same HTML). What belongs to the learner — done or not, the form with
the request's CSRF token — is rendered per request by learning/lesson.html. The same for the
assignment page: breadcrumbs and title, the instructions and the rubric (a translation and a
number format per rubric level) once; status, due date, form and hand-ins per request.

The key holds the course version (`OutlineCourse.version`: a re-import that changes anything gives
a new one), so a changed title, text or lesson order is never served from here."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from app.learning.outline import OutlineAssignment, OutlineCourse, OutlineLesson, OutlineModule, lesson_text

_MAX_PARTS = 512  # per app (a few MB of HTML); the oldest entry goes first
_lock = threading.Lock()


@dataclass(frozen=True)
class LessonParts:
    top: Markup  # breadcrumbs, the lesson and its table of contents
    done_url: str  # where the "done" form posts
    pager: Markup  # previous and next lesson


def lesson_parts(course: OutlineCourse, module: OutlineModule, lessons: list[OutlineLesson], lesson: OutlineLesson) -> LessonParts:
    def render() -> LessonParts:
        index = lessons.index(lesson)
        rendered = current_app.jinja_env.get_template("learning/_lesson_parts.html").make_module({
            "course": course, "module": module, "lessons": lessons, "lesson": lesson, "text": lesson_text(course, lesson),
            "previous_lesson": lessons[index - 1] if index > 0 else None,
            "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
        })
        return LessonParts(rendered.top, rendered.done_url, rendered.pager)

    return _kept("lesson_parts", (course.version, lesson.id), render)


@dataclass(frozen=True)
class AssignmentParts:
    head: Markup  # breadcrumbs and title
    body: Markup  # the instructions and the rubric


def assignment_parts(course: OutlineCourse, module: OutlineModule, assignment: OutlineAssignment) -> AssignmentParts:
    def render() -> AssignmentParts:
        rendered = current_app.jinja_env.get_template("assignments/_assignment_parts.html").make_module({
            "course": course, "module": module, "assignment": assignment,
        })
        return AssignmentParts(rendered.head, rendered.body)

    return _kept("assignment_parts", (course.version, assignment.id), render)


def _kept(name: str, key: tuple, render):
    """The parts under `key` (which holds the course version) in this language and script root,
    from the app's cache `name`, rendered by `render()` the first time."""
    key = (*key, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault(name, {})
    parts = cache.get(key)
    if parts is None:
        parts = render()
        with _lock:
            while len(cache) >= _MAX_PARTS:  # more items × languages than that: drop the oldest, not all
                del cache[next(iter(cache))]
            cache[key] = parts
    return parts
