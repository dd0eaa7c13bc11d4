"""Where a page's time goes, in-process: CPU per request for a ladder of pages, from a bare Flask
"hello world" up to the learner's and trainer's pages, with the SQL statements each sends.

    .venv/bin/python -m bench.floor [--requests 1000] [--database-url URL] [--profile DIR] [--calls] [--only a,b]

No server and no network: Flask's test client in one process, so the figures are the app's own
cost per request (gunicorn's HTTP parsing and the load generator come on top under `make
bench`). Each rung adds one thing to the one before; the differences show what it costs.
Default database: a throw-away SQLite file with the demo course and the demo accounts; a
PostgreSQL URL names a database that is dropped and created afresh (VACUUM ANALYZE after the
data are built, so the plans are those of a settled database).

The last rungs repeat the lesson page and the dashboard after the data grew: the demo learner
enrolled in 10 courses and their cohort at 1,000 learners — the statements must stay the same.
`--profile DIR` writes a pyinstrument profile per rung (call tree as text) and prints, per rung, the
share of time in each layer of the stack (see docs/performance.md). `--calls` adds the Python
function calls per request, a measure that the load of a shared machine does not move."""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select

from bench import data, queries

GOALS = {  # × hello world (issue 17); the scale rungs are about constant statements
    "signed-in": 5, "lesson": 10, "dashboard": 20, "quiz": 15, "grading": 15, "matrix": 25,
}
MATRIX_COHORT = 30  # learners in the trainer's cohort for the progress matrix
SCALE_COURSES = 10
SCALE_COHORT = 1000


@dataclass
class Rung:
    key: str
    label: str
    who: str  # anonymous | learner | pool | trainer
    path: str


def cpu_per_request(client, path: str, requests: int) -> tuple[float, int]:
    for _ in range(min(100, requests)):  # warm caches, compiled statements, templates
        response = client.get(path)
    started = time.process_time()
    for _ in range(requests):
        response = client.get(path)
    return (time.process_time() - started) * 1000 / requests, response.status_code


def fastest_ratio(hello_client, client, path: str, requests: int, batch: int = 20) -> float:
    """× hello world from interleaved batches: `batch` requests of the page, then three times as many
    of hello world, repeated until `requests` pages were measured; the fastest batch of each side,
    per request. A shared VM's noise only ever slows a batch down (another tenant, a slower clock),
    so the fastest batches of two interleaved series are the figures least touched by it — the
    same reason `timeit` reports the minimum."""
    pages, hellos = [], []
    for _ in range(max(requests // batch, 5)):
        started = time.process_time()
        for _ in range(batch):
            client.get(path)
        pages.append((time.process_time() - started) / batch)
        started = time.process_time()
        for _ in range(batch * 3):
            hello_client.get("/")
        hellos.append((time.process_time() - started) / (batch * 3))
    return min(pages) / min(hellos)


def python_calls(client, path: str, requests: int = 100) -> float:
    """Python function calls per request (cProfile's count): unlike CPU time, the same however
    busy the machine is — a change that removes calls removes work."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    return pstats.Stats(profiler).total_calls / requests


def statements(engine, client, path: str) -> int:
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


# Layers of the stack, by the file a frame's code lives in: the first matching pattern, looked for
# from the innermost frame outwards, names the layer a sample is charged to.
LAYERS = (
    ("Markdown", ("markdown_it", "/app/catalogue/markdown")),
    ("SQLAlchemy Core / driver", ("sqlalchemy/engine", "sqlalchemy/sql", "sqlalchemy/pool", "sqlite3", "psycopg")),
    ("SQLAlchemy ORM", ("sqlalchemy/orm", "sqlalchemy/ext", "flask_sqlalchemy")),
    ("Babel / translations", ("babel/", "flask_babel", "gettext")),
    ("Jinja", ("jinja2", "markupsafe", "app/templates")),
    ("Flask-Login", ("flask_login",)),
    ("Flask-WTF / CSRF", ("flask_wtf", "wtforms")),
    ("session cookie, CSRF token signing (itsdangerous)", ("itsdangerous",)),
    ("Flask-Limiter", ("flask_limiter", "limits/")),
    ("URL building (url_for)", ("werkzeug/routing",)),
    ("Werkzeug / Flask", ("werkzeug", "flask/")),
)


def _layer_of(frame) -> str:
    names = []
    while frame is not None:
        names.append(frame.file_path or "")
        frame = frame.parent
    for path in names:  # innermost first
        for layer, patterns in LAYERS:
            if any(p in path for p in patterns):
                return layer
        if "/app/" in path and "/site-packages/" not in path:
            return "app code (" + path.split("/app/", 1)[1].split("/")[0].removesuffix(".py") + ")"
    return "other"


def layer_shares(session) -> dict[str, float]:
    """Self time of the profile's leaf frames, summed per layer, as a share of the total."""
    totals: dict[str, float] = {}

    def walk(frame):
        if not frame.children:
            totals[_layer_of(frame)] = totals.get(_layer_of(frame), 0) + frame.time
        for child in frame.children:
            walk(child)
        own = frame.time - sum(c.time for c in frame.children)
        if frame.children and own > 0:
            totals[_layer_of(frame)] = totals.get(_layer_of(frame), 0) + own

    root = session.root_frame()
    walk(root)
    whole = sum(totals.values()) or 1
    return {k: v / whole for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def profile(client, path: str, requests: int, directory: Path, key: str) -> dict[str, float]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(requests):
        client.get(path)
    session = profiler.stop()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{key}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
    return layer_shares(session)


def _enrol_in_more_courses(fixture, workdir: Path, count: int) -> None:
    """The demo learner in `count` courses: copies of the demo course, each with a cohort."""
    from datetime import date

    from app.accounts.models import User
    from app.catalogue.models import Course
    from app.catalogue.services import import_path
    from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from app.extensions import db
    from app.progress.services import initialise_enrolment

    source = data.ROOT / "courses" / data.COURSE
    target = workdir / "more-courses"
    for n in range(2, count + 1):
        shutil.copytree(source, target / f"{data.COURSE}-{n}")
    reports, problems = import_path(target)
    if any(p.severity == "error" for p in problems):
        raise RuntimeError(f"course copies do not import: {problems[:3]}")
    db.session.commit()
    learner = db.session.scalar(select(User).where(User.email == fixture.learner_email))
    for n in range(2, count + 1):
        course = db.session.scalar(select(Course).where(Course.slug == f"{data.COURSE}-{n}"))
        cohort = Cohort(name=f"Kohorte {n}", course=course, land="12", district_ags="12054", starts_on=date(2027, 1, 11), seats=25)
        enrolment = Enrolment(user=learner, cohort=cohort, status=EnrolmentStatus.ACTIVE)
        db.session.add_all([cohort, enrolment])
        db.session.flush()
        initialise_enrolment(enrolment)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a throw-away SQLite file; a PostgreSQL database is recreated")
    parser.add_argument("--profile", metavar="DIR", help="write a pyinstrument profile per rung to DIR and print the layers")
    parser.add_argument("--calls", action="store_true", help="also count Python function calls per request (cProfile)")
    parser.add_argument("--only", help="comma-separated rung keys (hello is always measured): " + ", ".join(
        ["health", "anonymous", "signed-in", "lesson", "dashboard", "quiz", "grading", "matrix", "assignment", "quiz-overview",
         "scale"]))
    options = parser.parse_args()
    only = set(options.only.split(",")) if options.only else None

    from bench.hello import app as hello

    hello_client = hello.test_client()
    rows = [("hello", "bare Flask hello world (bench/hello.py)", *cpu_per_request(hello_client, "/", options.requests * 3), 0)]
    calls: dict[str, float] = {"hello": python_calls(hello_client, "/")} if options.calls else {}
    baselines: dict[str, float] = {}
    fastest: dict[str, float] = {}
    shares: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = options.database_url or f"sqlite:///{workdir / 'floor.sqlite3'}"
        if url.startswith("postgresql"):
            data.recreate_postgres(url)
        app = data.make_app(url, workdir)
        from app.accounts import login_cache
        from app.extensions import db

        with app.app_context():
            fixture = data.build(app, 0, trainer_cohort=MATRIX_COHORT - 2)  # + the demo learner and the pool learner
            pool = data.add_quiz_pool(fixture, 1)
            engine = db.engine
            data.analyze(url, engine)
        clients = {"anonymous": app.test_client()}
        for who, email in (("learner", fixture.learner_email), ("pool", fixture.pool_email), ("trainer", fixture.trainer_email)):
            clients[who] = app.test_client()
            with app.app_context():
                queries._login(clients[who], email)
        ladder = [
            Rung("health", "health check (database and file store)", "anonymous", "/healthz"),
            Rung("anonymous", "imprint page, anonymous (layout, translations)", "anonymous", "/impressum"),
            Rung("signed-in", "imprint page, signed in (+ session, user row, navigation)", "learner", "/impressum"),
            Rung("lesson", "lesson page (+ course, enrolment, progress, lesson)", "learner", fixture.lesson_path),
            Rung("dashboard", "learner dashboard (+ every course's progress, due dates, feedback, sessions)", "learner", fixture.dashboard_path),
            Rung("quiz", "quiz attempt page (an open attempt: questions, saved answers)", "pool", f"/versuche/{pool[0]}"),
            Rung("grading", "trainer: grading queue (30 hand-ins)", "trainer", "/bewertung"),
            Rung("matrix", f"trainer: progress matrix ({MATRIX_COHORT}-learner cohort)", "trainer", f"/kohorten/{fixture.cohort_id}/matrix"),
            # the two learner pages `make load` asks for most after the lesson page (no goal in issue 17)
            Rung("assignment", "assignment page (the first module's, no hand-in yet)", "learner", fixture.assignment_path),
            Rung("quiz-overview", "quiz overview (the first module's quiz, attempts listed)", "pool", fixture.quiz_overview_path),
        ]

        def measure(rung: Rung) -> None:
            client = clients[rung.who]
            # hello world again right before the rung: on a shared machine the load changes within
            # a run, and the ratio to a baseline taken minutes earlier drifts with it
            baseline, _ = cpu_per_request(hello_client, "/", options.requests * 3)
            ms, status = cpu_per_request(client, rung.path, options.requests)
            rows.append((rung.key, rung.label, ms, status, statements(engine, client, rung.path)))
            baselines[rung.key] = baseline
            fastest[rung.key] = fastest_ratio(hello_client, client, rung.path, options.requests)
            if options.calls:
                calls[rung.key] = python_calls(client, rung.path)
            if options.profile:
                shares[rung.key] = profile(client, rung.path, max(options.requests // 2, 50), Path(options.profile), rung.key)

        for rung in ladder:
            if only is None or rung.key in only:
                measure(rung)
        if only is None or "scale" in only:
            with app.app_context():
                _enrol_in_more_courses(fixture, workdir, SCALE_COURSES)
                data.grow(fixture, 0, SCALE_COHORT - MATRIX_COHORT)
                data.analyze(url, engine)
                db.session.remove()
            for rung in (
                Rung("lesson@scale", f"lesson page, learner in {SCALE_COURSES} courses, cohort of {SCALE_COHORT:,}", "learner", fixture.lesson_path),
                Rung("dashboard@scale", f"learner dashboard, {SCALE_COURSES} courses, cohort of {SCALE_COHORT:,}", "learner", fixture.dashboard_path),
                # the trainer's pages and the quiz: their statements must not grow with the cohort
                Rung("quiz@scale", f"quiz attempt page, cohort of {SCALE_COHORT:,}", "pool", f"/versuche/{pool[0]}"),
                Rung("grading@scale", f"trainer: grading queue, cohort of {SCALE_COHORT:,}", "trainer", "/bewertung"),
                Rung("matrix@scale", f"trainer: progress matrix, cohort of {SCALE_COHORT:,}", "trainer", f"/kohorten/{fixture.cohort_id}/matrix"),
            ):
                measure(rung)
        login_cache.stop(app)  # its listener's connection would hold the database open
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if url.startswith("postgresql"):
            data.drop_postgres(url)

    print(f"CPU per request, in-process, {options.requests} requests each ({'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})")
    print()
    print("× hello world: against the run at the start (as in issue 17); against a hello-world run taken")
    print("right before the rung in the same process (the load of a shared machine drifts within a run);")
    print("and the fastest of interleaved batches of the page and of hello world (the figure least moved by")
    print("a noisy machine, which the goal column judges)")
    print()
    print("| page | CPU per request | × hello world | × hello world just before | × hello world, fastest batches | goal |"
          " SQL statements |" + (" Python calls per request |" if calls else ""))
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if calls else ""))
    start = rows[0][2]
    for key, label, ms, status, count in rows:
        if status != 200:
            raise SystemExit(f"{label} answered {status}")
        goal = GOALS.get(key)
        verdict = f"≤ {goal}× {'✓' if fastest[key] <= goal else '✗'}" if goal else ""
        near = f"{ms / baselines[key]:.1f} ({baselines[key]:.2f} ms)" if key in baselines else ""
        best = f"{fastest[key]:.1f}" if key in fastest else ""
        print(f"| {label} | {ms:.2f} ms | {ms / start:.1f} | {near} | {best} | {verdict} | {count} |" + (f" {calls[key]:,.0f} |" if calls else ""))
    if shares:
        layers = sorted({layer for s in shares.values() for layer in s}, key=lambda l: -sum(s.get(l, 0) for s in shares.values()))
        print()
        print(f"Share of each rung's time per layer (pyinstrument; profiles in {options.profile}/):")
        print()
        print("| layer | " + " | ".join(shares) + " |")
        print("|---|" + "---:|" * len(shares))
        for layer in layers:
            print(f"| {layer} | " + " | ".join(f"{s.get(layer, 0):.0%}" for s in shares.values()) + " |")


if __name__ == "__main__":
    main()
