from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class QuizAttempt(db.Model):
    """One attempt at a quiz. `snapshot` freezes the questions exactly as the learner saw them, so
    the attempt's review and score stay true when the quiz file changes later."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("enrolment_id", "quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snapshot: Mapped[list] = mapped_column(JSON)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    passed: Mapped[bool | None]
    results: Mapped[list | None] = mapped_column(JSON)  # per-question scores after submission

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
    quiz: Mapped["Quiz"] = relationship()  # noqa: F821

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return round(100 * self.score / self.max_score, 1)
