"""Benchmark databases: the demo course and demo accounts plus generated learners, in bulk.

`build()` makes a fresh database (SQLite file or a PostgreSQL database of its own) with
`db.create_all()`, imports `courses/`, runs `demo seed`, and adds learners with `grow()`:
cohorts of 25 with progress (lessons read, a submitted quiz attempt) spread over districts.
Every generated learner has the demo password, so load scripts can log in as any of them.

`grow()` can be called again to scale the same database 10× and 100×. When the app has
`flask demo generate` (synthetic data at scale, another feature), `run.py` uses it for the agency
dashboard at 100,000 learners; this module is the benchmark's own, small and fast generator."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
COURSE = "smart-city-manager"
PASSWORD = "smartcity-demo"  # DEMO_PASSWORD: demo accounts and generated learners share it
SIGNING_KEY = "35IG4KLQOlex4sbxQnaA8YYZJZtonCaiqNksekFfeDE="  # throw-away databases only
DISTRICTS = ("12054", "12069", "11000", "09162", "05315", "06412", "14612", "03241", "08111", "01002")
COHORT_SIZE = 25


def app_config(url: str, workdir: Path) -> dict:
    """Settings for an in-process app and (as environment variables) for gunicorn."""
    return {
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-not-for-production",
        "COURSES_AUTO_RELOAD": False, "MAIL_DIR": str(workdir / "mail"), "FILE_STORAGE_DIR": str(workdir / "files"),
        "CERTIFICATE_SIGNING_KEY": SIGNING_KEY, "DEMO_PASSWORD": PASSWORD,
        # Load comes from 127.0.0.1 only; the login limit would otherwise count every simulated learner as one client.
        "LOGIN_RATE_LIMIT": "100000 per minute",
    }


def server_env(url: str, workdir: Path) -> dict[str, str]:
    config = app_config(url, workdir)
    env = {
        "DATABASE_URL": url, "SECRET_KEY": config["SECRET_KEY"], "APP_ENV": "production", "SESSION_COOKIE_SECURE": "0",
        "COURSES_AUTO_RELOAD": "0", "MAIL_DIR": config["MAIL_DIR"], "FILE_STORAGE_DIR": config["FILE_STORAGE_DIR"],
        "CERTIFICATE_SIGNING_KEY": SIGNING_KEY, "DEMO_PASSWORD": PASSWORD, "LOGIN_RATE_LIMIT": config["LOGIN_RATE_LIMIT"],
        "BASE_URL": "http://127.0.0.1", "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env


def make_app(url: str, workdir: Path, **extra):
    from app import create_app

    return create_app({**app_config(url, workdir), **extra})


def recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://") + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://") + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def postgres_reachable(url: str) -> str | None:
    """None when a server answers at the URL's host, else the reason."""
    import psycopg

    base = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(base + "/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


@dataclass
class Fixture:
    """What the measurements need to know about a benchmark database."""

    learner_email: str = "learner@example.org"
    trainer_email: str = "trainer@example.org"
    agency_email: str = "agency@example.org"
    admin_email: str = "admin@example.org"
    pool_email: str = "quiz-pool@example.net"
    course_slug: str = COURSE
    module_slug: str = ""
    lesson_slug: str = ""
    assignment_slug: str = ""
    quiz_id: int = 0
    cohort_id: int = 0  # the demo cohort, taught by the demo trainer
    learners: int = 0  # generated learners so far
    batches: int = 0
    pool_attempt_ids: list[int] = field(default_factory=list)

    @property
    def dashboard_path(self) -> str:
        return "/lernstand"

    @property
    def lesson_path(self) -> str:
        return f"/kurse/{self.course_slug}/{self.module_slug}/{self.lesson_slug}"

    @property
    def assignment_path(self) -> str:
        return f"/kurse/{self.course_slug}/{self.module_slug}/aufgaben/{self.assignment_slug}"

    @property
    def quiz_overview_path(self) -> str:
        return f"/kurse/{self.course_slug}/{self.module_slug}/quiz"


def build(app, learners: int = 0, trainer_cohort: int = 0) -> Fixture:
    """Schema, courses, demo accounts, then `learners` generated ones (inside `app`'s context)."""
    from app.catalogue.models import Course, Module
    from app.catalogue.services import import_path
    from app.cohorts.models import Cohort
    from app.demo import DEMO_COHORT, seed
    from app.extensions import db

    db.create_all()
    reports, problems = import_path(ROOT / "courses")
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise RuntimeError(f"courses/ does not import: {errors[:3]}")
    db.session.commit()
    seed(COURSE)
    db.session.commit()
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    module = next(m for m in course.modules if m.archived_at is None)
    fixture = Fixture(
        module_slug=module.slug,
        lesson_slug=next(l for l in module.lessons if l.archived_at is None).slug,
        assignment_slug=next(a for a in module.assignments if a.archived_at is None).slug,
        quiz_id=next(q for q in module.quizzes if q.archived_at is None).id,
        cohort_id=db.session.scalar(select(Cohort.id).where(Cohort.name == DEMO_COHORT)),
    )
    if learners or trainer_cohort:
        grow(fixture, learners, trainer_cohort)
    return fixture


def _password_hash() -> str:
    from app.accounts.models import User
    from app.extensions import db

    return db.session.scalar(select(User.password_hash).where(User.email == "learner@example.org"))


def grow(fixture: Fixture, learners: int, trainer_cohort: int = 0, seed: int = 1) -> None:
    """Adds `learners` learners in new cohorts of 25 and `trainer_cohort` learners to the demo
    cohort (whose trainer's pages the query counts look at), with progress, quiz attempts and,
    in the demo cohort, handed-in submissions for the grading queue."""
    from app.accounts.models import Role, User
    from app.assignments.models import Submission, SubmissionStatus, SubmissionVersion
    from app.catalogue.models import Course, Lesson, Module, Quiz
    from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from app.db import utcnow
    from app.extensions import db
    from app.progress.models import ItemType, ProgressItem
    from app.progress.services import required_items
    from app.quizzes.models import QuizAttempt

    rng = random.Random(seed * 7919 + fixture.batches)
    fixture.batches += 1
    batch = f"{fixture.batches}-{secrets.token_hex(3)}"
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    lessons = db.session.execute(
        select(Lesson.id, Lesson.module_id).join(Module)
        .where(Module.course_id == course.id, Module.archived_at.is_(None), Lesson.archived_at.is_(None))
        .order_by(Module.position, Lesson.position)
    ).all()
    total = len(set().union(*required_items(course).values()))
    quiz = db.session.get(Quiz, fixture.quiz_id)
    first_module_lessons = sum(1 for _, module_id in lessons if module_id == quiz.module_id)
    assignment_id = next((a.id for a in quiz.module.assignments if a.archived_at is None), None)
    password_hash = _password_hash()
    today = date.today()
    now = utcnow()

    def add_users(count: int, prefix: str) -> list[int]:
        if not count:
            return []
        rows = []
        for n in range(count):
            ags = rng.choice(DISTRICTS)
            rows.append({
                "email": f"{prefix}-{batch}-{n}@example.net", "name": f"Lernende {batch}/{n}", "role": Role.LEARNER,
                "password_hash": password_hash, "district_ags": ags,
                "land": ags[:2], "municipality": "Musterstadt", "position": "Digitalisierung",
            })
        return list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))

    cohort_ids: list[int] = []
    user_ids = add_users(learners, "gen")
    for start in range(0, len(user_ids), COHORT_SIZE):
        ags = rng.choice(DISTRICTS)
        cohort = Cohort(name=f"Bench {batch} #{start // COHORT_SIZE + 1}", course_id=course.id, land=ags[:2],
                        district_ags=ags, starts_on=today - timedelta(days=rng.randint(0, 300)), seats=COHORT_SIZE)
        db.session.add(cohort)
        db.session.flush()
        cohort_ids += [cohort.id] * len(user_ids[start:start + COHORT_SIZE])
    demo_ids = add_users(trainer_cohort, "kohorte")
    user_ids += demo_ids
    cohort_ids += [fixture.cohort_id] * len(demo_ids)

    enrolment_rows, done_counts = [], []
    for user_id, cohort_id in zip(user_ids, cohort_ids):
        done = rng.randint(0, len(lessons))
        done_counts.append(done)
        enrolment_rows.append({
            "user_id": user_id, "cohort_id": cohort_id, "status": EnrolmentStatus.ACTIVE,
            "items_total": total, "items_done": done,
        })
    enrolment_ids = list(db.session.scalars(insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True), enrolment_rows)) if enrolment_rows else []

    progress, attempts, demo_enrolments = [], [], []
    for enrolment_id, done, cohort_id in zip(enrolment_ids, done_counts, cohort_ids):
        for lesson_id, _module_id in lessons[:done]:
            progress.append({"enrolment_id": enrolment_id, "item_type": ItemType.LESSON, "item_id": lesson_id})
        if done >= first_module_lessons:
            attempts.append({
                "enrolment_id": enrolment_id, "quiz_id": quiz.id, "number": 1, "snapshot": quiz.questions, "answers": {},
                "submitted_at": now, "score": 0.0, "max_score": 10.0, "passed": False, "results": [],
            })
        if cohort_id == fixture.cohort_id:
            demo_enrolments.append(enrolment_id)
    if progress:
        db.session.execute(insert(ProgressItem), progress)
    if attempts:
        db.session.execute(insert(QuizAttempt), attempts)
    if demo_enrolments and assignment_id:
        submission_ids = list(db.session.scalars(
            insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
            [{"enrolment_id": e, "assignment_id": assignment_id, "status": SubmissionStatus.SUBMITTED, "draft_text": "",
              "submitted_at": now} for e in demo_enrolments],
        ))
        db.session.execute(insert(SubmissionVersion), [
            {"submission_id": s, "number": 1, "text": "Unsere Vorhaben und ihre Leitlinien …", "submitted_at": now,
             "trainers_notified_at": now} for s in submission_ids
        ])
    from app.reporting import facts

    facts.rebuild(db.session.connection())  # the bulk inserts above bypass the ORM's flush
    db.session.commit()
    fixture.learners += learners


def add_quiz_pool(fixture: Fixture, count: int) -> list[int]:
    """`count` open attempts at the first module's quiz for one learner of the demo cohort, so a
    load run can submit each of them once (a submitted attempt cannot be submitted again)."""
    from app.accounts.models import Role, User
    from app.catalogue.models import Quiz
    from app.cohorts.models import Enrolment
    from app.extensions import db
    from app.progress.services import initialise_enrolment
    from app.quizzes.models import QuizAttempt
    from app.quizzes.scoring import snapshot_questions

    user = db.session.scalar(select(User).where(User.email == fixture.pool_email))
    if user is None:
        user = User(email=fixture.pool_email, name="Quiz Pool", role=Role.LEARNER, password_hash=_password_hash())
        db.session.add(user)
        enrolment = Enrolment(user=user, cohort_id=fixture.cohort_id)
        db.session.add(enrolment)
        db.session.flush()
        initialise_enrolment(enrolment)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    quiz = db.session.get(Quiz, fixture.quiz_id)
    first = (db.session.scalar(select(func.max(QuizAttempt.number)).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id)) or 0) + 1
    shuffle = bool(quiz.settings.get("shuffle"))
    rows = [{
        "enrolment_id": enrolment.id, "quiz_id": quiz.id, "number": number, "answers": {},
        "snapshot": snapshot_questions(quiz.questions, shuffle, number),
    } for number in range(first, first + count)]
    ids = list(db.session.scalars(insert(QuizAttempt).returning(QuizAttempt.id, sort_by_parameter_order=True), rows)) if rows else []
    db.session.commit()
    fixture.pool_attempt_ids += ids
    return ids


def analyze(url: str, engine) -> None:
    """Statistics for the planner, as a settled database has them (issue 17: VACUUM ANALYZE on
    PostgreSQL after the benchmark data are built, so the plans are realistic)."""
    from sqlalchemy import text

    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
