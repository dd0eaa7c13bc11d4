from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from app.catalogue.models import Module, Quiz
from app.db import begin_writes
from app.errors import DomainError
from app.extensions import db
from app.learning.access import course_or_404, locked_reason, module_or_404, opens_on, require_access
from app.progress.services import enrolment_state
from app.quizzes import services
from app.quizzes.models import QuizAttempt
from app.security import can_view_enrolment

bp = Blueprint("quizzes", __name__)


def _quiz_context(course_slug: str, module_slug: str):
    course = course_or_404(course_slug)
    module = module_or_404(course, module_slug)
    quiz = next((q for q in module.quizzes if q.archived_at is None), None)
    if quiz is None:
        abort(404)
    enrolment = require_access(current_user, course)
    return course, module, quiz, enrolment


@bp.get("/kurse/<course_slug>/<module_slug>/quiz")
@login_required
def overview(course_slug: str, module_slug: str):
    course, module, quiz, enrolment = _quiz_context(course_slug, module_slug)
    attempts = services.attempts_of(enrolment, quiz) if enrolment else []
    locked = locked_reason(module, enrolment_state(enrolment).get("module", set()), course) if enrolment else []
    return render_template(
        "quizzes/overview.html", course=course, module=module, quiz=quiz, enrolment=enrolment, attempts=attempts,
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


@bp.route("/versuche/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        values = request.form.to_dict(flat=False)
        if request.form.get("action") == "submit":
            services.submit_attempt(attempt, values)
            db.session.commit()
            return redirect(url_for("quizzes.review", attempt_id=attempt.id))
        saved = services.save_answers(attempt, values)
        db.session.commit()
        if not saved:
            flash(_("Die Zeit ist abgelaufen. Ihr Versuch wurde mit den gespeicherten Antworten abgegeben."), "info")
            return redirect(url_for("quizzes.review", attempt_id=attempt.id))
        flash(_("Ihre Antworten sind gespeichert."), "success")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    if services.is_overdue(attempt):
        begin_writes()
        services.submit_attempt(attempt, None)
        db.session.commit()
        flash(_("Die Zeit ist abgelaufen. Ihr Versuch wurde mit den gespeicherten Antworten abgegeben."), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
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
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.cohorts.models import Enrolment

    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if not can_view_enrolment(current_user, enrolment):
        abort(404)
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)
        .options(selectinload(QuizAttempt.quiz).selectinload(Quiz.module))
        .join(Quiz).join(Module).order_by(Module.position, QuizAttempt.number)
    ).all()
    return render_template("quizzes/enrolment_attempts.html", enrolment=enrolment, attempts=attempts)
