"""Keeps the benchmark suite (bench/) working: its cheap pieces, on SQLite and 127.0.0.1 only.

The measurements themselves run with `make bench` / `make load`; these tests only make sure the
code that takes them still fits the app (routes, models, forms) and can tell good from bad."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import data, loadgen, queries
from bench.client import quiz_answers
from bench.server import Gunicorn, Settings


@pytest.fixture(scope="module")
def bench_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    app = data.make_app(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp, WTF_CSRF_ENABLED=False)
    with app.app_context():
        fixture = data.build(app)
        data.add_quiz_pool(fixture, 4)
    yield app, fixture, tmp
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_query_counts_per_page_stay_constant_as_the_data_grow_tenfold(bench_app):
    from app.extensions import db
    from app.quizzes.models import QuizAttempt

    app, fixture, _ = bench_app
    result = queries.measure_growth(app, fixture, base=3, factors=(1, 10), trainer_cohort=2, log=lambda m: None)
    assert result["sizes"][1] > result["sizes"][0] * 5
    assert {"learner dashboard", "lesson page", "quiz submission (POST)", "trainer: progress matrix"} <= set(result["pages"])
    for label, counts in result["pages"].items():
        assert all(status in (200, 302) for status, _ in counts), (label, counts)
        assert all(count > 0 for _, count in counts), (label, counts)
        assert queries.constant(counts), f"{label}: {counts} statements — an N+1 query?"
    with app.app_context():  # the submissions really were scored, not bounced
        scored = db.session.scalar(select(func.count()).select_from(QuizAttempt).where(QuizAttempt.score.is_not(None),
                                                                                        QuizAttempt.results.is_not(None)))
        assert scored >= 4
        db.session.remove()


def test_the_counter_sees_an_n_plus_one_query(bench_app):
    from app.accounts.models import User
    from app.extensions import db

    app, _, _ = bench_app
    with app.app_context():
        engine = db.engine
        users = db.session.scalars(select(User).limit(5)).all()
        db.session.expire_all()
        with queries.counting(engine) as count:
            [len(u.enrolments) for u in users]
        assert count[0] >= len(users)  # one statement (or two) per user: the counter sees N+1
        db.session.remove()


def test_quiz_answers_fill_every_question_of_an_attempt_page(bench_app):
    app, fixture, _ = bench_app
    with app.app_context():
        data.add_quiz_pool(fixture, 1)
    client = app.test_client()
    with app.app_context():
        queries._login(client, fixture.pool_email)
    page = client.get(f"/versuche/{fixture.pool_attempt_ids[-1]}").get_data(as_text=True)
    answers = quiz_answers(page)
    assert answers and all(name.startswith("q-") and value for name, value in answers.items())
    assert len(answers) >= 5


def test_hello_world_under_gunicorn_with_the_python_load_client(tmp_path):
    with Gunicorn("bench.hello:app", Settings(workers=1, threads=2), log=tmp_path / "g.log", ready_path="/") as server:
        result = loadgen.run(server.base, "/", seconds=1, connections=2, tool="python")
        memory = server.memory()
    assert result.requests > 10 and result.errors == 0
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms
    assert len(memory) == 1 and memory[0]["rss_mib"] > 10


@pytest.mark.skipif(not loadgen.wrk_available(), reason="wrk (Debian package) not installed; make bench installs it")
def test_wrk_script_posts_each_path_once(tmp_path):
    with Gunicorn("bench.hello:app", Settings(workers=1, threads=2), log=tmp_path / "g.log", ready_path="/") as server:
        result = loadgen.run(server.base, ["/", "/missing"], seconds=1, connections=2, tool="wrk")
    assert result.tool == "wrk" and result.requests > 10
    assert result.errors >= result.requests - 2  # all but the first request or two hit the 404 path


def test_load_generation_refuses_other_hosts():
    with pytest.raises(ValueError):
        loadgen.run("http://example.org", "/", seconds=1, connections=1)


def test_percentile_is_nearest_rank():
    assert loadgen.percentile([], 95) == 0
    assert loadgen.percentile(list(range(1, 101)), 95) == 95
    assert loadgen.percentile([3.0], 50) == 3.0


def test_quick_options():
    from bench.suite.options import Options

    options = Options.parse(["--quick", "--only", "queries,import", "--databases", "sqlite"])
    assert options.quick and options.parts == ("queries", "import") and options.databases == ("sqlite",)
    assert options.seconds <= 3 and options.query_base <= 10
    with pytest.raises(SystemExit):
        Options.parse(["--only", "nonsense"])


def test_load_check_finds_lost_and_half_written_records(bench_app, tmp_path):
    from bench.load import check

    app, fixture, _ = bench_app
    store = tmp_path / "files"
    (store / "ab").mkdir(parents=True)
    old = store / "ab" / ("ab" + "0" * 30)
    old.write_bytes(b"orphan")
    os.utime(old, (time.time() - 2 * 3600, time.time() - 2 * 3600))
    (store / "cd").mkdir()
    (store / "cd" / ("cd" + "1" * 30)).write_bytes(b"young orphan")
    acks = [{"kind": "attempt", "attempt_id": 10 ** 9, "email": fixture.learner_email, "t": 0},
            {"kind": "file", "filename": "never-stored.pdf", "email": fixture.learner_email, "module": fixture.module_slug,
             "assignment": fixture.assignment_slug, "t": 0}]
    results = check(app, acks, store)

    def problems(start: str) -> int:
        return next(n for name, n, _ in results if name.startswith(start))

    assert problems("acknowledged quiz submissions stored and scored") == 1
    assert problems("acknowledged files stored as rows") == 1
    assert problems("no file without a row older than the clean-up grace") == 1  # the young orphan is allowed
    assert problems("no submitted attempt without score and result") == 0
    assert problems("stored progress") == 0


def test_load_failures_are_told_apart_by_their_cause():
    """The SIGKILL may cut off requests in flight and the next POST on each kept-alive connection of
    the killed worker; any other failure, and a second one of the same learner, counts as "other"."""
    from bench.load import classify_failures

    closed = "HTTPConnectionClosed('connection closed.')"
    failures = [
        {"learner": "a", "start": 9.0, "end": 11.0, "error": closed},  # running at the kill (t = 10)
        {"learner": "b", "start": 12.0, "end": 12.1, "error": closed},  # b's connection was to the killed worker
        {"learner": "b", "start": 14.0, "end": 14.1, "error": closed},  # b again: not the kill's doing
        {"learner": "c", "start": 5.0, "end": 6.0, "error": "LocustBadStatusCode(500)"},
        {"learner": "d", "start": 11.0, "end": 11.5, "error": "LocustBadStatusCode(503)"},
        # a response cut off halfway by the kill (seen at 23:46 on 2026-12-06), and the same error long after it
        {"learner": "e", "start": 9.5, "end": 10.2, "error": "HTTPParseError('Incomplete response.')"},
        {"learner": "f", "start": 3.0, "end": 3.2, "error": "HTTPParseError('Incomplete response.')"},
    ]
    by_cause = classify_failures(failures, killed_at=10.0)
    assert [f["learner"] for f in by_cause["in flight"]] == ["a", "e"]
    assert [f["learner"] for f in by_cause["kept-alive connection"]] == ["b"]
    assert sorted(f["learner"] for f in by_cause["other"]) == ["b", "c", "d", "f"]
    assert len(classify_failures(failures, killed_at=None)["other"]) == 7


BENCH_MODULES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "bench").glob("*.py")
                       if p.stem not in {"__init__", "locustfile"})  # locustfile needs the `bench` extra (locust)


@pytest.mark.parametrize("name", BENCH_MODULES)
def test_every_bench_module_imports(name):
    """A bench command that no longer imports (a moved function) fails here, not on the day someone
    wants its figures: `python -m bench.storage` imported open_store from its old module."""
    import importlib

    importlib.import_module(f"bench.{name}")


def test_upload_memory_bench_runs_end_to_end_with_a_small_file():
    """bench/upload_memory.py (sign in, upload through the form, download, the worker's RSS), on
    the local directory with 3 MB — that it still measures; the 150 MiB bound is the bench's own
    `--check`, not a timed test."""
    from bench import upload_memory

    figures = upload_memory.measure("local", 3, None)
    assert 0 < figures["before"] <= figures["upload peak"]
    assert figures["download peak"] > 0 and figures["upload MB/s"] > 0 and figures["download MB/s"] > 0
