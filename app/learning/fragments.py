"""The parts of the lesson page that are the same for every learner — breadcrumbs, the lesson with
its table of contents, the pager — rendered once per course version, lesson, language and script
root, and kept per app (issue 17: a dozen translations, six `url_for` and the table of contents'
loop on every request, for the same HTML). What belongs to the learner — done or not, the form with
the request's CSRF token — is rendered per request by learning/lesson.html.

The key holds the course version (`OutlineCourse.version`: a re-import that changes anything gives
a new one), so a changed title, text or lesson order is never served from here."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from app.learning.outline import OutlineCourse, OutlineLesson, OutlineModule, lesson_text

_MAX_PARTS = 512  # per app (a few MB of HTML); the oldest entry goes first
_lock = threading.Lock()


@dataclass(frozen=True)
class LessonParts:
    top: Markup  # breadcrumbs, the lesson and its table of contents
    done_url: str  # where the "done" form posts
    pager: Markup  # previous and next lesson


def lesson_parts(course: OutlineCourse, module: OutlineModule, lessons: list[OutlineLesson], lesson: OutlineLesson) -> LessonParts:
    key = (course.version, lesson.id, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault("lesson_parts", {})
    parts = cache.get(key)
    if parts is None:
        index = lessons.index(lesson)
        rendered = current_app.jinja_env.get_template("learning/_lesson_parts.html").make_module({
            "course": course, "module": module, "lessons": lessons, "lesson": lesson, "text": lesson_text(course, lesson),
            "previous_lesson": lessons[index - 1] if index > 0 else None,
            "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
        })
        parts = LessonParts(rendered.top, rendered.done_url, rendered.pager)
        with _lock:
            while len(cache) >= _MAX_PARTS:  # more lessons × languages than that: drop the oldest, not all
                del cache[next(iter(cache))]
            cache[key] = parts
    return parts
