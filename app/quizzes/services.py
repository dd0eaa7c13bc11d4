"""Quiz attempts: start, save as you go, submit (once), time limits enforced on the server."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from app import clock
from app.catalogue.models import Quiz
from app.cohorts.models import Enrolment
from app.db import add_unless_duplicate
from app.errors import DomainError
from app.extensions import db
from app.progress.models import ItemType
from app.progress.services import complete_item
from app.quizzes.models import QuizAttempt
from app.quizzes.scoring import read_answer, score_attempt, snapshot_questions


def attempts_of(enrolment: Enrolment, quiz: Quiz) -> list[QuizAttempt]:
    return list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id).order_by(QuizAttempt.number)
    ))


@dataclass(frozen=True)
class AttemptSummary:
    """An attempt as the quiz overview lists it: without its snapshot, answers and results (the
    snapshot alone is the whole question list, 24 KB of JSON for the demo quiz, parsed per attempt
    and visit when the overview loaded whole attempts)."""
    id: int
    number: int
    submitted_at: datetime | None
    score: float | None
    max_score: float | None
    passed: bool | None

    percent = QuizAttempt.percent  # the same rounding as the attempt's


_SUMMARIES = (
    select(QuizAttempt.id, QuizAttempt.number, QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.max_score, QuizAttempt.passed)
    .where(QuizAttempt.enrolment_id == bindparam("enrolment_id"), QuizAttempt.quiz_id == bindparam("quiz_id"))
    .order_by(QuizAttempt.number)
)


def attempt_summaries(enrolment_id: int, quiz_id: int) -> list[AttemptSummary]:
    """The attempts of `attempts_of`, in the same order, as plain rows (for pages that only read)."""
    # on the session's connection, in its transaction, without the ORM's execution (a page view
    # has nothing to flush)
    return [AttemptSummary(*row) for row in db.session.connection().execute(
        _SUMMARIES, {"enrolment_id": enrolment_id, "quiz_id": quiz_id})]


def open_attempt(attempts: list[QuizAttempt]) -> QuizAttempt | None:
    return next((a for a in attempts if a.submitted_at is None), None)


def next_start_time(quiz: Quiz, attempts: list[QuizAttempt]) -> datetime | None:
    """When the waiting time after the last attempt ends (None: no wait)."""
    wait = quiz.settings.get("wait_minutes") or 0
    submitted = [a.submitted_at for a in attempts if a.submitted_at]
    if not wait or not submitted:
        return None
    return max(submitted) + timedelta(minutes=wait)


def start_attempt(enrolment: Enrolment, quiz: Quiz, now: datetime | None = None) -> QuizAttempt:
    now = now or clock.now()
    attempts = attempts_of(enrolment, quiz)
    current = open_attempt(attempts)
    if current is not None:
        if current.deadline_at and current.deadline_at <= now:
            submit_attempt(current, None, now=now)
        else:
            return current
    if any(a.passed for a in attempts):
        raise DomainError(_("Sie haben diesen Test bereits bestanden."))
    limit = quiz.settings.get("max_attempts") or 0
    if limit and len(attempts) >= limit:
        raise DomainError(_("Sie haben alle %(n)d Versuche genutzt.", n=limit))
    opens = next_start_time(quiz, attempts)
    if opens and opens > now:
        raise DomainError(_("Der nächste Versuch ist ab %(time)s möglich.", time=opens.strftime("%d.%m.%Y %H:%M UTC")))
    time_limit = quiz.settings.get("time_limit_minutes") or 0
    attempt = QuizAttempt(
        enrolment_id=enrolment.id, quiz_id=quiz.id, number=len(attempts) + 1, started_at=now,
        deadline_at=now + timedelta(minutes=time_limit) if time_limit else None,
        snapshot=snapshot_questions(quiz.questions, bool(quiz.settings.get("shuffle")), secrets.randbits(32)),
        answers={},
    )
    if not add_unless_duplicate(attempt):  # another tab started the same attempt number a moment ago
        existing = open_attempt(attempts_of(enrolment, quiz))
        if existing is None:
            raise DomainError(_("Bitte versuchen Sie es noch einmal."))
        return existing
    return attempt


def read_answers(attempt: QuizAttempt, values: Mapping[str, list[str]]) -> dict:
    return {q["id"]: read_answer(q, values) for q in attempt.snapshot}


def is_overdue(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    return attempt.submitted_at is None and attempt.deadline_at is not None and attempt.deadline_at <= (now or clock.now())


def save_answers(attempt: QuizAttempt, values: Mapping[str, list[str]], now: datetime | None = None) -> bool:
    """Stores the answers given so far; False if the attempt is over (submitted or timed out)."""
    now = now or clock.now()
    if attempt.submitted_at is not None:
        return False
    if is_overdue(attempt, now):
        submit_attempt(attempt, None, now=now)
        return False
    attempt.answers = read_answers(attempt, values)
    db.session.flush()
    return True


def submit_attempt(attempt: QuizAttempt, values: Mapping[str, list[str]] | None, now: datetime | None = None) -> QuizAttempt:
    """Scores and closes the attempt. A second submission (double click, second tab) changes
    nothing: the conditional UPDATE only matches an attempt that is still open. After the
    deadline, only what was saved before it counts."""
    now = now or clock.now()
    if attempt.submitted_at is not None:
        return attempt
    answers = dict(attempt.answers or {})
    if values is not None and not (attempt.deadline_at and attempt.deadline_at <= now):
        answers = read_answers(attempt, values)
    result = score_attempt(attempt.snapshot, answers, attempt.quiz.pass_mark)
    submitted_at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    changed = db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None)).values(
            submitted_at=submitted_at, answers=answers, score=result["score"], max_score=result["max_score"],
            passed=result["passed"], results=result["results"],
        ).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if changed and result["passed"]:
        complete_item(attempt.enrolment, ItemType.QUIZ, attempt.quiz_id, attempt.quiz.module, detail=f"{result['percent']:.1f}")
    return attempt
