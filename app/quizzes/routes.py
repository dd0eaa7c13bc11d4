from __future__ import annotations

import json
from functools import lru_cache
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.orm import joinedload

from app.catalogue.models import Course, Module, Quiz
from app.cohorts.models import Enrolment
from app.db import begin_writes, keep_loaded_on_commit
from app.errors import DomainError
from app.extensions import db
from app.learning.access import (
    allowed_or_403, course_or_404, locked_reason, module_or_404, opens_on, outline_module_or_404, require_access,
)
from app.progress.services import enrolment_state
from app.quizzes import services
from app.quizzes.models import QuizAttempt
from app.security import can_view_enrolment

bp = Blueprint("quizzes", __name__)


def _quiz_context(course_slug: str, module_slug: str, outline: bool = False):
    if outline:  # the overview: the per-process outline of the course version, the enrolment as plain rows
        course, module, enrolment = outline_module_or_404(course_slug, module_slug, current_user)
    else:  # starting an attempt writes with the ORM objects
        course = course_or_404(course_slug)
        module = module_or_404(course, module_slug)
    quiz = next((q for q in module.quizzes if q.archived_at is None), None)
    if quiz is None:
        abort(404)
    enrolment = allowed_or_403(current_user, course, enrolment) if outline else require_access(current_user, course)
    return course, module, quiz, enrolment


@bp.get("/kurse/<course_slug>/<module_slug>/quiz")
@login_required
def overview(course_slug: str, module_slug: str):
    # course, module and quiz (with its number of questions) from the outline of the course version
    # (app.learning.outline); the enrolment with its progress and release dates, and the attempts
    # (without their questions and answers), per request
    course, module, quiz, enrolment = _quiz_context(course_slug, module_slug, outline=True)
    attempts = services.attempt_summaries(enrolment.id, quiz.id) if enrolment else []
    locked = locked_reason(module, enrolment.done.get("module", set()), course) if enrolment else []
    return render_template(
        "quizzes/overview.html", course=course, module=module, quiz=quiz, question_count=quiz.question_count, enrolment=enrolment,
        attempts=attempts,
        current=services.open_attempt(attempts), passed=any(a.passed for a in attempts), locked=locked, form=FlaskForm(),
        opens=opens_on(enrolment, module),
    )


@bp.post("/kurse/<course_slug>/<module_slug>/quiz/start")
@login_required
def start(course_slug: str, module_slug: str):
    course, module, quiz, enrolment = _quiz_context(course_slug, module_slug)
    if enrolment is None:
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if locked_reason(module, enrolment_state(enrolment).get("module", set()), course) or opens_on(enrolment, module):
        abort(403)
    try:
        attempt = services.start_attempt(enrolment, quiz)
    except DomainError as exc:
        db.session.commit()  # a timed-out attempt may have been closed on the way
        flash(exc.message, "error")
        return redirect(url_for("quizzes.overview", course_slug=course.slug, module_slug=module.slug))
    with keep_loaded_on_commit():  # the redirect reads the new attempt's id: no reload after the commit
        db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _attempt_or_404(attempt_id: int) -> QuizAttempt:
    """The attempt with what its pages show and check — quiz, module, course, enrolment — in one
    joined read instead of four lazy loads (issue 17)."""
    attempt = db.session.get(QuizAttempt, attempt_id, options=[
        joinedload(QuizAttempt.enrolment), joinedload(QuizAttempt.quiz).joinedload(Quiz.module).joinedload(Module.course),
    ])
    if attempt is None:
        abort(404)
    return attempt


def _own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = _attempt_or_404(attempt_id)
    if attempt.enrolment.user_id != current_user.id:
        abort(403 if can_view_enrolment(current_user, attempt.enrolment) else 404)
    return attempt


# The attempt page as most requests see it — the learner's own open attempt — from one statement
# of plain columns: building the attempt, enrolment, quiz, module and course objects (and decoding
# the course's and module's JSON columns) was a quarter of the page's own time (issue 17).
# The snapshot as its stored text (PostgreSQL's json keeps the text as written): parsed once per
# process and snapshot by _questions, not on every visit of the page.
_OPEN_ATTEMPT_PAGE = (
    select(QuizAttempt.id, QuizAttempt.number, QuizAttempt.deadline_at, QuizAttempt.submitted_at,
           cast(QuizAttempt.snapshot, Text).label("snapshot_text"), QuizAttempt.answers, Enrolment.user_id, Quiz.title.label("quiz_title"), Module.slug.label("module_slug"),
           Module.title.label("module_title"), Course.slug.label("course_slug"), Course.title.label("course_title"))
    .join(Enrolment, QuizAttempt.enrolment_id == Enrolment.id).join(Quiz, QuizAttempt.quiz_id == Quiz.id)
    .join(Module, Quiz.module_id == Module.id).join(Course, Module.course_id == Course.id)
    .where(QuizAttempt.id == bindparam("attempt_id"))
)


@lru_cache(maxsize=64)
def _questions(snapshot_text: str) -> list:
    """An attempt's questions as the learner saw them. The snapshot is written when the attempt
    begins and never changed, so its text is the key; parsing it cost about half a hello world per
    visit (47 µs for the bench's 24 KB of 11 questions, issue 17). Shared between requests: read only."""
    return json.loads(snapshot_text)


def _open_attempt_page(attempt_id: int):
    """The page of the current user's own open attempt, or None when anything else applies (not
    found, someone else's, submitted, timed out): those take the ORM path below, unchanged."""
    # on the session's connection, in its transaction, but without the ORM's execution: plain
    # columns need no ORM loading, and a GET has nothing to flush (about 75 µs less, issue 17)
    row = db.session.connection().execute(_OPEN_ATTEMPT_PAGE, {"attempt_id": attempt_id}).first()
    if row is None or row.user_id != current_user.id or row.submitted_at is not None or services.is_overdue(row):
        return None
    attempt = SimpleNamespace(number=row.number, deadline_at=row.deadline_at, answers=row.answers, snapshot=_questions(row.snapshot_text))
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=SimpleNamespace(title=row.quiz_title),
                           module=SimpleNamespace(slug=row.module_slug, title=row.module_title),
                           course=SimpleNamespace(slug=row.course_slug, title=row.course_title))


@bp.route("/versuche/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int):
    if request.method == "GET":
        page = _open_attempt_page(attempt_id)
        if page is not None:
            return page
    attempt = _own_attempt(attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        # after a commit the redirects name the attempt by the URL's id: attempt.id would reload it
        values = request.form.to_dict(flat=False)
        if request.form.get("action") == "submit":
            services.submit_attempt(attempt, values)
            db.session.commit()
            return redirect(url_for("quizzes.review", attempt_id=attempt_id))
        saved = services.save_answers(attempt, values)
        db.session.commit()
        if not saved:
            flash(_("Die Zeit ist abgelaufen. Ihr Versuch wurde mit den gespeicherten Antworten abgegeben."), "info")
            return redirect(url_for("quizzes.review", attempt_id=attempt_id))
        flash(_("Ihre Antworten sind gespeichert."), "success")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    if services.is_overdue(attempt):
        begin_writes()
        services.submit_attempt(attempt, None)
        db.session.commit()
        flash(_("Die Zeit ist abgelaufen. Ihr Versuch wurde mit den gespeicherten Antworten abgegeben."), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))
    module = attempt.quiz.module
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=attempt.quiz, module=module, course=module.course)


@bp.get("/versuche/<int:attempt_id>/auswertung")
@login_required
def review(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    if not can_view_enrolment(current_user, attempt.enrolment):
        abort(404)
    if attempt.submitted_at is None:
        if attempt.enrolment.user_id == current_user.id:
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
        abort(404)
    module = attempt.quiz.module
    results = {r["id"]: r for r in attempt.results or []}
    return render_template("quizzes/review.html", attempt=attempt, quiz=attempt.quiz, module=module, course=module.course, results=results)


@bp.get("/teilnahmen/<int:enrolment_id>/versuche")
@login_required
def enrolment_attempts(enrolment_id: int):
    """Every quiz attempt of one enrolment: for the learner, the cohort's trainers and admins."""
    from sqlalchemy.orm import selectinload

    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if not can_view_enrolment(current_user, enrolment):
        abort(404)
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)
        .options(selectinload(QuizAttempt.quiz).selectinload(Quiz.module))
        .join(Quiz).join(Module).order_by(Module.position, QuizAttempt.number)
    ).all()
    return render_template("quizzes/enrolment_attempts.html", enrolment=enrolment, attempts=attempts)
