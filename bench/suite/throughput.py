"""Part "http": throughput and latency of the app under gunicorn on each database, next to a
bare Flask hello world under the same settings, and the memory per worker."""
from __future__ import annotations

import os
import statistics
import traceback
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from bench import data, loadgen
from bench.client import Client, quiz_answers
from bench.server import Gunicorn
from bench.suite.databases import Database, new_database
from bench.suite.options import Options
from bench.suite.report import Report, log

GOAL_RATIO = 0.5


@dataclass
class Row:
    label: str
    result: loadgen.LoadResult
    note: str = ""


ROUNDS = 3
# Pool of open quiz attempts per second of load. It was 600/s, with the warm-up's share taken
# from the measured run's in proportion to time (a third of the pool in the quick run): the
# measured run had room for 433/s, and once PostgreSQL's reads ran in autocommit (issue 17) the
# quick run in CI stored more than that and reported the pool exhausted. 2,000/s is above what a
# write of this size reaches on the 2-core machine, and the exhaustion check stays.
SUBMISSIONS_PER_SECOND = 2000


def _connections(options: Options) -> int:
    """Four keep-alive connections per request slot. gunicorn's gthread workers keep the
    connections they accepted; with one connection per slot (8 on 4 workers × 2 threads) a run
    could put four on one worker while another idled, and the same page measured 148 or 379
    req/s (hello world 2,383 or 6,957) depending on the draw. With four per slot every worker
    gets its share: runs agree within a few per cent. Latency percentiles then include the wait
    in the workers' queues."""
    return options.connections or 4 * options.settings.workers * options.settings.threads


def _load(base, paths, options: Options, *, cookie="", method="GET", body=None, warm=True,
          rounds: int = ROUNDS) -> loadgen.LoadResult:
    """Warm-up, then `rounds` runs of seconds/rounds each, every run with fresh connections; the
    run with the median throughput is reported, with the range of all runs in `spread` — so a run
    whose connections landed unevenly on the workers shows up instead of being the figure."""
    connections = _connections(options)
    if warm and options.warmup:
        loadgen.run(base, paths, seconds=options.warmup, connections=connections, cookie=cookie, method=method,
                    body=body, tool=options.tool)
    results = [loadgen.run(base, paths, seconds=options.seconds / rounds, connections=connections, cookie=cookie,
                           method=method, body=body, tool=options.tool) for _ in range(rounds)]
    ordered = sorted(results, key=lambda r: r.rps)
    median = ordered[len(ordered) // 2]
    median.spread = (ordered[0].rps, ordered[-1].rps)
    return median


def _spread(result: loadgen.LoadResult) -> str:
    if not result.spread:
        return ""
    return f"{ROUNDS} runs: {result.spread[0]:,.0f}–{result.spread[1]:,.0f} req/s"


def measure_hello(options: Options, tmp: Path) -> tuple[loadgen.LoadResult, list[dict]]:
    log("bare Flask (bench/hello.py) under gunicorn")
    with Gunicorn("bench.hello:app", options.settings, log=tmp / "hello-gunicorn.log", ready_path="/") as server:
        result = _load(server.base, "/", options)
        return result, server.memory()


def measure_app(database: Database, options: Options, tmp: Path, report: Report) -> tuple[list[Row], list[dict]]:
    kind = database.kind
    # One open attempt per acknowledged submission, sized for SUBMISSIONS_PER_SECOND in the
    # warm-up and in the measured run alike; a run that acknowledges more than its part of the
    # pool holds is reported as exhausted rather than counted.
    warm_count = int(options.warmup * SUBMISSIONS_PER_SECOND)
    pool_size = warm_count + int(max(300, options.seconds * SUBMISSIONS_PER_SECOND))
    log(f"{database.label}: generating {options.learners:,} learners and {pool_size:,} open quiz attempts")
    app = data.make_app(database.url, database.workdir)
    with app.app_context():
        fixture = data.build(app, options.learners, trainer_cohort=20)
        pool = data.add_quiz_pool(fixture, pool_size)
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    rows: list[Row] = []
    log(f"{database.label}: gunicorn wsgi:app ({options.settings.describe()})")
    env = data.server_env(database.url, database.workdir)
    with Gunicorn("wsgi:app", options.settings, env=env, log=tmp / f"{kind}-gunicorn.log") as server:
        learner = Client(server.base)
        learner.login(fixture.learner_email, data.PASSWORD)
        # The imprint page, signed in, is the floor of any page of the app: session cookie, the
        # user's row, the layout with navigation, CSRF and translations — no content queries.
        for label, path, expect in (("signed-in floor (imprint page)", "/impressum", "<h1"),
                                    ("learner dashboard", fixture.dashboard_path, "Mein Lernstand"),
                                    ("lesson page", fixture.lesson_path, "<h1")):
            status, text, _ = learner.get(path)
            if status != 200 or expect not in text:
                raise RuntimeError(f"{label} {path} answered {status} before the load (expected 200 with {expect!r})")
            log(f"{database.label}: {label}")
            result = _load(server.base, path, options, cookie=learner.cookie_header())
            status, _, _ = learner.get(path)
            if status != 200:
                raise RuntimeError(f"{label} answered {status} after the load")
            rows.append(Row(label, result))

        log(f"{database.label}: quiz submission")
        submitter = Client(server.base)
        submitter.login(fixture.pool_email, data.PASSWORD)
        status, page, _ = submitter.get(f"/versuche/{pool[0]}")
        if status != 200:
            raise RuntimeError(f"quiz attempt page answered {status}")
        body = urllib.parse.urlencode({**quiz_answers(page), "action": "submit", "csrf_token": submitter.token})
        cookie = submitter.cookie_header()
        if warm_count:
            loadgen.run(server.base, [f"/versuche/{i}" for i in pool[:warm_count]], seconds=options.warmup,
                        connections=_connections(options),
                        cookie=cookie, method="POST", body=body, tool=options.tool)
        measured = pool[warm_count:]
        before = _submitted(database, measured)
        result = _load(server.base, [f"/versuche/{i}" for i in measured], options, cookie=cookie, method="POST",
                       body=body, warm=False, rounds=1)
        submitted = _submitted(database, measured) - before
        note = f"{submitted:,} attempts scored and stored"
        if submitted >= len(measured) or result.requests - result.errors > len(measured):
            note += f" — pool of {len(measured):,} exhausted, figure too high: raise the pool"
            report.fail("http", f"{database.label}: quiz pool exhausted")
        elif not 0 <= submitted - (result.requests - result.errors) <= _connections(options):
            # Every acknowledged submission must be stored (fewer: lost writes). More may be stored:
            # a request still queued at the server when the load generator stops is answered to no
            # one — at most one per connection, and the connections outnumber the worker threads
            # four to one (this bound was workers × threads + 2 until a run stored 13 more).
            report.fail("http", f"{database.label}: {result.requests - result.errors} submissions acknowledged but {submitted} stored")
        rows.append(Row("quiz submission", result, note))
        memory = server.memory()
    return rows, memory


def _submitted(database: Database, attempt_ids: list[int]) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database.url)
    try:
        with engine.connect() as conn:
            lo, hi = min(attempt_ids), max(attempt_ids)
            return conn.execute(text(
                "SELECT count(*) FROM quiz_attempts WHERE id BETWEEN :lo AND :hi AND submitted_at IS NOT NULL"
            ), {"lo": lo, "hi": hi}).scalar()
    finally:
        engine.dispose()


def part_http(options: Options, kinds: list[str], tmp: Path, report: Report) -> None:
    report.add("### Throughput and latency under gunicorn")
    report.add()
    connections = _connections(options)
    report.add(f"`{options.settings.describe()}` for both the app and `bench/hello.py`; load "
               f"{options.seconds:.0f} s per endpoint after {options.warmup:.0f} s warm-up, {connections} connections, "
               f"as {ROUNDS} runs with fresh connections (the median run is shown; quiz submission: one run over "
               f"the pool), generated from the same machine (it competes with the server for the {os.cpu_count()} cores). "
               f"Served data: demo course, {options.learners:,} generated learners.")
    report.add()
    hello, hello_memory = measure_hello(options, tmp)
    report.add("| database | endpoint | requests/s | p50 | p95 | p99 | errors | vs. hello world | notes |")
    report.add("|---|---|---:|---:|---:|---:|---:|---:|---|")
    report.add(f"| – | bare Flask hello world | {hello.rps:,.0f} | {hello.p50_ms:.1f} ms | {hello.p95_ms:.1f} ms | "
               f"{hello.p99_ms:.1f} ms | {hello.errors} | 100 % | measured with {hello.tool}; {_spread(hello)} |")
    memories = [("bare Flask hello world", hello_memory)]
    verdicts = []
    for kind in kinds:
        database = new_database(kind, "http", tmp, options)
        try:
            rows, memory = measure_app(database, options, tmp, report)
        except Exception as exc:  # one database failing should not hide the other's figures
            traceback.print_exc()
            report.fail("http", f"{kind}: {exc}")
            continue
        finally:
            database.drop()
        label = "PostgreSQL" if kind == "postgresql" else "SQLite"
        for row in rows:
            ratio = row.result.rps / hello.rps if hello.rps else 0
            if row.result.errors:
                report.finding(f"{label} {row.label}: {row.result.errors} of {row.result.requests} requests failed "
                               f"(HTTP ≥ 400 or socket errors; see the gunicorn log)")
            note = "; ".join(n for n in (_spread(row.result), row.note) if n)
            report.add(f"| {label} | {row.label} | {row.result.rps:,.0f} | {row.result.p50_ms:.1f} ms | "
                       f"{row.result.p95_ms:.1f} ms | {row.result.p99_ms:.1f} ms | {row.result.errors} | {ratio:.0%} | {note} |")
            if row.label == "lesson page":
                verdicts.append(f"{label}: lesson page at **{ratio:.0%}** of the bare framework "
                                f"({'meets' if ratio >= GOAL_RATIO else 'misses'} the goal of ≥ {GOAL_RATIO:.0%})")
        memories.append((f"app on {label}, after the load", memory))
    report.add()
    for verdict in verdicts:
        report.add(f"- {verdict}")
    report.add()
    report.add("### Memory per gunicorn worker")
    report.add()
    report.add("RSS counts shared pages in full; PSS divides them among the processes sharing them (from `/proc`).")
    report.add()
    report.add("| server | workers | RSS per worker (min–max) | PSS per worker (mean) |")
    report.add("|---|---:|---:|---:|")
    for label, memory in memories:
        if not memory:
            report.add(f"| {label} | 0 | – | – |")
            continue
        rss = [m["rss_mib"] for m in memory]
        pss = [m["pss_mib"] for m in memory if m["pss_mib"] is not None]
        report.add(f"| {label} | {len(memory)} | {min(rss):.0f}–{max(rss):.0f} MiB | "
                   f"{statistics.mean(pss):.0f} MiB |" if pss else f"| {label} | {len(memory)} | {min(rss):.0f}–{max(rss):.0f} MiB | – |")
    report.add()
