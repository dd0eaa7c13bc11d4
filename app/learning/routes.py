"""The learner's journey: dashboard, course, module and lesson pages."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.certificates.queries import awaiting_approval
from app.cohorts.models import Enrolment
from app import clock, navigation
from app.db import keep_loaded_on_commit
from app.extensions import db
from app.learning.access import (
    active_lessons, allowed_or_403, closed_until, course_or_404, locked_reason, module_or_404, opens_on, outline_module_or_404,
    require_access,
)
from app.learning.fragments import lesson_parts
from app.learning.outline import OutlineLesson, outlines_of
from app.progress.models import ItemType
from app.progress.services import complete_item, enrolment_state

bp = Blueprint("learning", __name__)
navigation.register("learning.dashboard", lambda: _("Mein Lernstand"), {"learner", "trainer", "agency", "admin"}, order=10)


@bp.get("/lernstand")
@login_required
def dashboard():
    # the enrolments with cohort, course, release dates and valid certificate as plain rows, one
    # statement; the courses' modules, lessons and assignments from the per-process outline of each
    # course version (app.learning.outline) — as ORM objects they grew the page by a third per course
    from app.learning.dashboard import awaiting_approval_ids, latest_feedback, open_enrolments, upcoming_due
    from app.sessions.queries import upcoming_for_user

    enrolments, certificates = open_enrolments(current_user.id)
    outlines = outlines_of({enrolment.cohort.course for enrolment in enrolments})
    upcoming_sessions = upcoming_for_user(current_user, clock.now()) if enrolments else []
    return render_template("learning/dashboard.html", enrolments=enrolments, certificates=certificates,
                           next_lessons=_next_lessons(enrolments, outlines), upcoming_sessions=upcoming_sessions,
                           due_items=upcoming_due(enrolments, outlines), feedback=latest_feedback(enrolments), today=clock.today(),
                           awaiting_approval=awaiting_approval_ids(enrolments))


def _next_lessons(enrolments, outlines: dict) -> dict[int, OutlineLesson]:
    """The first unfinished lesson per enrolment, in course order (modules, then lessons, by
    position), from the outline of the course version and the lessons the enrolment has done, read
    with the enrolments (app.learning.dashboard) — a statement of its own before."""
    result: dict[int, OutlineLesson] = {}
    for enrolment in enrolments:
        done = enrolment.lessons_done
        lesson = next((lesson for module in outlines[enrolment.cohort.course_id].modules if module.archived_at is None
                       for lesson in module.lessons if lesson.archived_at is None and lesson.id not in done), None)
        if lesson is not None:
            result[enrolment.id] = lesson
    return result


@bp.get("/kurse/<course_slug>")
@login_required
def course(course_slug: str):
    course = course_or_404(course_slug)
    enrolment = require_access(current_user, course)
    state = enrolment_state(enrolment) if enrolment else {}
    modules = [m for m in course.modules if m.archived_at is None]
    locks = {m.id: locked_reason(m, state.get("module", set()), course) if enrolment else [] for m in modules}
    return render_template("learning/course.html", course=course, modules=modules, enrolment=enrolment, state=state, locks=locks,
                           closed=closed_until(enrolment, modules), awaiting_approval=awaiting_approval([enrolment] if enrolment else []))


@bp.get("/kurse/<course_slug>/<module_slug>")
@login_required
def module(course_slug: str, module_slug: str):
    course = course_or_404(course_slug)
    module = module_or_404(course, module_slug)
    enrolment = require_access(current_user, course)
    state = enrolment_state(enrolment) if enrolment else {}
    locked = locked_reason(module, state.get("module", set()), course) if enrolment else []
    quiz = next((q for q in module.quizzes if q.archived_at is None), None)
    assignments = [a for a in module.assignments if a.archived_at is None]
    return render_template(
        "learning/module.html", course=course, module=module, lessons=active_lessons(module), quiz=quiz,
        assignments=assignments, enrolment=enrolment, state=state, locked=locked, opens_on=opens_on(enrolment, module),
    )


def _lesson_context(course_slug: str, module_slug: str, lesson_slug: str):
    # the course's version and the enrolment (release dates, progress) as plain rows in one
    # statement, the outline of that version from the per-process copy (app.learning.outline)
    course, module, enrolment = outline_module_or_404(course_slug, module_slug, current_user)
    lessons = active_lessons(module)
    lesson = next((l for l in lessons if l.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    return course, module, lessons, lesson, allowed_or_403(current_user, course, enrolment)


@bp.get("/kurse/<course_slug>/<module_slug>/<lesson_slug>")
@login_required
def lesson(course_slug: str, module_slug: str, lesson_slug: str):
    # the outline and the lesson's text from the per-process copy of this course version
    # (app.learning.outline); enrolment, progress and release dates per request
    course, module, lessons, lesson, enrolment = _lesson_context(course_slug, module_slug, lesson_slug)
    state = enrolment.done if enrolment else {}  # read with the enrolment (app.learning.access)
    locked = locked_reason(module, state.get("module", set()), course) if enrolment else []
    if locked or opens_on(enrolment, module):
        flash(_("Dieses Modul ist noch gesperrt."), "info")
        return redirect(url_for("learning.module", course_slug=course.slug, module_slug=module.slug))
    return render_template(
        "learning/lesson.html", lesson=lesson, enrolment=enrolment, done=lesson.id in state.get("lesson", set()),
        parts=lesson_parts(course, module, lessons, lesson),
    )


@bp.post("/kurse/<course_slug>/<module_slug>/<lesson_slug>/erledigt")
@login_required
def mark_done(course_slug: str, module_slug: str, lesson_slug: str):
    # the same reads as the page (one statement); the enrolment as an ORM object only to record a
    # lesson not done yet: the lesson done already changes nothing (as complete_item found before)
    course, module, lessons, lesson, row = _lesson_context(course_slug, module_slug, lesson_slug)
    if row is None or not FlaskForm().validate_on_submit():
        abort(400 if row else 403)
    if locked_reason(module, row.done.get("module", set()), course) or opens_on(row, module):
        abort(403)
    if lesson.id not in row.done.get("lesson", set()):
        complete_item(db.session.get(Enrolment, row.id), ItemType.LESSON, lesson.id, module, absent=True)
    with keep_loaded_on_commit():  # the message and the next URL read what is loaded: no reload after the commit
        db.session.commit()
    flash(_("Lektion „%(title)s“ als erledigt markiert.", title=lesson.title), "success")
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        target = lessons[index + 1]
        return redirect(url_for("learning.lesson", course_slug=course.slug, module_slug=module.slug, lesson_slug=target.slug))
    return redirect(url_for("learning.module", course_slug=course.slug, module_slug=module.slug))
