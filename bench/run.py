"""The benchmark suite (issue 11): one command, `make bench` (= `python -m bench.run`).

    .venv/bin/python -m bench.run [--quick] [--databases sqlite,postgresql] [--only http,queries,...]
                                  [--seconds 20] [--learners 2000] [--report FILE]

In one run, on 127.0.0.1 only and bounded in time:

- http:     the app under gunicorn on SQLite and on PostgreSQL, each with generated data:
            requests per second and p50/p95 latency of the signed-in floor (imprint page), the
            learner dashboard, a lesson page and a quiz submission, next to a bare Flask "hello
            world" (bench/hello.py) under the same
            gunicorn settings; the ratio app/hello (goal: lesson page ≥ 50 %); memory per worker.
- queries:  SQL statements per page, counted in-process, as the data grow 1×, 10×, 100×.
- certificates, import: bench/certificates.py and bench/import_courses.py, if present.
- agency:   the agency dashboard at 100,000 learners — once `flask demo generate` and the
            reporting dashboard exist; until then it is skipped and says why.

`--quick` (CI: about a minute) uses small data and short runs. The report is Markdown, for
docs/performance.md, with the machine, the command and the date. Exit status 1 if a part broke
(an exception, a page not answering 200, lost submissions) — not for slow figures, which on a
shared machine are noise."""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench import data, loadgen, queries
from bench.client import Client, quiz_answers
from bench.server import Gunicorn, Settings

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("http", "queries", "certificates", "import", "agency")
GOAL_RATIO = 0.5


@dataclass
class Options:
    quick: bool = False
    databases: tuple[str, ...] = ("sqlite", "postgresql")
    parts: tuple[str, ...] = PARTS
    seconds: float = 20
    warmup: float = 3
    connections: int = 0  # 0: workers × threads
    learners: int = 2000
    query_base: int = 100
    agency_learners: int = 100_000
    settings: Settings = field(default_factory=Settings)
    postgres_url: str = ""
    tool: str = "auto"
    report: str | None = None
    strict: bool = False
    workdir: str | None = None

    @classmethod
    def parse(cls, argv: list[str] | None = None) -> "Options":
        parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
        parser.add_argument("--quick", action="store_true", help="small data, short runs (CI, about a minute)")
        parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
        parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}")
        parser.add_argument("--seconds", type=float, help="load per endpoint (default 20, quick 2)")
        parser.add_argument("--connections", type=int, default=0, help="concurrent connections (default 4 × workers × threads)")
        parser.add_argument("--learners", type=int, help="generated learners in the served database (default 2000, quick 100)")
        parser.add_argument("--query-base", type=int, help="learners at 1× for the query counts (default 100, quick 10)")
        parser.add_argument("--agency-learners", type=int, help="learners for the agency dashboard (default 100000, quick 1000)")
        parser.add_argument("--workers", type=int, help="gunicorn workers (default 2 × cores, quick: 1 × cores)")
        parser.add_argument("--threads", type=int, default=Settings().threads)
        parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto", help="load generator")
        parser.add_argument("--postgres-url", default=default_postgres_url(),
                            help="server and name prefix for throw-away PostgreSQL databases (BENCH_DATABASE_URL)")
        parser.add_argument("--report", help="also write the Markdown report to this file")
        parser.add_argument("--strict", action="store_true", help="exit 1 also when requests failed under load")
        parser.add_argument("--workdir", help="keep databases' files and gunicorn logs here (default: a temporary folder)")
        args = parser.parse_args(argv)
        unknown = set(args.only.split(",")) - set(PARTS)
        if unknown:
            parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
        quick = args.quick
        options = cls(
            quick=quick,
            databases=tuple(d for d in args.databases.split(",") if d),
            parts=tuple(p for p in PARTS if p in args.only.split(",")),
            seconds=args.seconds or (2 if quick else 20),
            warmup=1 if quick else 3,
            connections=args.connections,
            learners=args.learners if args.learners is not None else (100 if quick else 2000),
            query_base=args.query_base or (10 if quick else 100),
            agency_learners=args.agency_learners or (1000 if quick else 100_000),
            settings=Settings(workers=args.workers or (os.cpu_count() or 1) * (1 if quick else 2), threads=args.threads),
            postgres_url=args.postgres_url,
            tool=args.tool,
            report=args.report,
            strict=args.strict,
            workdir=args.workdir,
        )
        return options


def default_postgres_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    test = os.environ.get("TEST_DATABASE_URL", "")
    if test.startswith("postgresql"):
        return test.rsplit("/", 1)[0] + "/scc_bench"
    return "postgresql+psycopg://postgres@127.0.0.1:5432/scc_bench"


class Report:
    """The Markdown report. `fail` marks the suite as broken (exit 1); `finding` records what the
    app did wrong under load (HTTP errors) — exit 1 only with --strict."""

    def __init__(self):
        self.lines: list[str] = []
        self.failures: list[str] = []
        self.findings: list[str] = []

    def finding(self, message: str) -> None:
        self.findings.append(message)

    def add(self, text: str = "") -> None:
        self.lines.append(text)
        print(text, flush=True)

    def fail(self, part: str, message: str) -> None:
        self.failures.append(f"{part}: {message}")
        self.add(f"**FAILED** ({part}): {message}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ machine

def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    commit = ""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "ram": memory, "python": platform.python_version(), "commit": commit}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ------------------------------------------------------------------------------------ databases

@dataclass
class Database:
    kind: str  # sqlite | postgresql
    url: str
    workdir: Path

    def drop(self) -> None:
        if self.kind == "postgresql":
            data.drop_postgres(self.url)

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.kind == "postgresql" else "SQLite"


def new_database(kind: str, purpose: str, tmp: Path, options: Options) -> Database:
    workdir = tmp / f"{kind}-{purpose}"
    workdir.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        return Database(kind, f"sqlite:///{workdir / 'bench.sqlite3'}", workdir)
    url = f"{options.postgres_url}_{os.getpid()}_{purpose}"
    data.recreate_postgres(url)
    return Database(kind, url, workdir)


def available_databases(options: Options, report: Report) -> list[str]:
    kinds = []
    for kind in options.databases:
        if kind == "postgresql":
            reason = data.postgres_reachable(options.postgres_url)
            if reason:
                report.add(f"_PostgreSQL skipped: no server at {options.postgres_url.rsplit('/', 1)[0]} ({reason}). "
                           f"Set BENCH_DATABASE_URL or --postgres-url._")
                continue
        elif kind != "sqlite":
            report.fail("setup", f"unknown database {kind!r}")
            continue
        kinds.append(kind)
    return kinds


# ------------------------------------------------------------------------------------ http

@dataclass
class Row:
    label: str
    result: loadgen.LoadResult
    note: str = ""


ROUNDS = 3


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
    # one open attempt per acknowledged submission: sized for 600 submissions/s, and a run that
    # acknowledges more than the pool holds is reported as exhausted rather than counted
    pool_size = int(max(300, options.seconds * 600 + options.warmup * 100))
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
        warm_count = int(len(pool) * options.warmup / (options.warmup + options.seconds)) if options.warmup else 0
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
        elif abs(submitted - (result.requests - result.errors)) > options.settings.workers * options.settings.threads + 2:
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


# ------------------------------------------------------------------------------------ queries

def part_queries(options: Options, kinds: list[str], tmp: Path, report: Report) -> None:
    report.add("### SQL statements per page as the data grow")
    report.add()
    report.add(f"Counted in-process (SQLAlchemy `before_cursor_execute`), second request of each page. Data: "
               f"{options.query_base:,} / {options.query_base * 10:,} / {options.query_base * 100:,} generated learners "
               f"in cohorts of {data.COHORT_SIZE}, the trainer's cohort growing 2 / 20 / 200.")
    report.add()
    for kind in kinds:
        database = new_database(kind, "queries", tmp, options)
        try:
            app = data.make_app(database.url, database.workdir, WTF_CSRF_ENABLED=False)
            with app.app_context():
                fixture = data.build(app)
                data.add_quiz_pool(fixture, 4)
            result = queries.measure_growth(app, fixture, options.query_base, trainer_cohort=2,
                                            log=lambda m: log(f"{database.label}:{m}"))
            with app.app_context():
                from app.extensions import db

                db.session.remove()
                db.engine.dispose()
        except Exception as exc:
            traceback.print_exc()
            report.fail("queries", f"{kind}: {exc}")
            continue
        finally:
            database.drop()
        sizes = result["sizes"]
        report.add(f"**{database.label}** (users in the database: {' / '.join(f'{s:,}' for s in sizes)})")
        report.add()
        report.add("| page | " + " | ".join(f"{s:,} users" for s in sizes) + " | constant |")
        report.add("|---|" + "---:|" * len(sizes) + "---|")
        for label, counts in result["pages"].items():
            bad = [status for status, _ in counts if status not in (200, 302)]
            if bad:
                report.fail("queries", f"{database.label} {label} answered HTTP {bad[0]}")
            report.add(f"| {label} | " + " | ".join(str(c) for _, c in counts) + f" | {'yes' if queries.constant(counts) else '**no**'} |")
        report.add()
    if "agency dashboard" not in {p.label for p in queries.pages(data.make_app("sqlite://", tmp))}:
        report.add("_The agency dashboard is not counted: `app/reporting` has no dashboard route yet._")
        report.add()


# ------------------------------------------------------------------------------------ other benches

def _run_module(module: str, arguments: list[str], timeout: float) -> str:
    command = [sys.executable, "-m", module, *arguments]
    log("running " + " ".join(shlex.quote(c) for c in command[1:]))
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"`python -m {module}` exited with {completed.returncode}: {tail}")
    return completed.stdout.strip()


def part_certificates(options: Options, kinds: list[str], tmp: Path, report: Report) -> None:
    report.add("### Certificates rendered per second")
    report.add()
    if not (ROOT / "bench" / "certificates.py").exists():
        report.add("_Skipped: `bench/certificates.py` does not exist yet._")
        report.add()
        return
    arguments = ["--count", "20", "--renders", "10"] if options.quick else ["--count", "1000", "--renders", "300"]
    report.add(f"`python -m bench.certificates {' '.join(arguments)}` (SQLite, pinned to one core):")
    report.add()
    try:
        report.add(_run_module("bench.certificates", arguments, timeout=300 if options.quick else 1800))
    except Exception as exc:
        report.fail("certificates", str(exc))
    report.add()


def part_import(options: Options, kinds: list[str], tmp: Path, report: Report) -> None:
    report.add("### Course import time")
    report.add()
    arguments = ["--repeat", "1", "--factor", "2"] if options.quick else ["--repeat", "3", "--factor", "10"]
    for kind in kinds[:1] if options.quick else kinds:
        database = new_database(kind, "import", tmp, options) if kind == "postgresql" else None
        extra = ["--database-url", database.url] if database else []
        report.add(f"`python -m bench.import_courses {' '.join(arguments + (['--database-url', '…'] if database else []))}`:")
        try:
            report.add(_run_module("bench.import_courses", arguments + extra, timeout=300 if options.quick else 1200))
        except Exception as exc:
            report.fail("import", f"{kind}: {exc}")
        finally:
            if database:
                database.drop()
        report.add()


def part_agency(options: Options, kinds: list[str], tmp: Path, report: Report) -> None:
    report.add(f"### Agency dashboard at {options.agency_learners:,} learners")
    report.add()
    probe = data.make_app("sqlite://", tmp)
    demo = probe.cli.commands.get("demo")
    missing = []
    if demo is None or "generate" not in getattr(demo, "commands", {}):
        missing.append("`flask --app wsgi demo generate --learners N`")
    endpoint = queries.agency_dashboard_endpoint(probe)
    if endpoint is None:
        missing.append("the agency dashboard (`app/reporting`)")
    if missing:
        report.add(f"_Skipped: {' and '.join(missing)} not there yet (being built by another engineer)._")
        report.add()
        return
    kind = "postgresql" if "postgresql" in kinds else kinds[0]
    database = new_database(kind, "agency", tmp, options)
    try:
        app = data.make_app(database.url, database.workdir, WTF_CSRF_ENABLED=False)
        with app.app_context():
            fixture = data.build(app)
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()
        env = {**os.environ, **data.server_env(database.url, database.workdir)}
        log(f"{database.label}: flask demo generate --learners {options.agency_learners}")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "demo", "generate", "--learners", str(options.agency_learners)],
                       cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=3600)
        generated = time.perf_counter() - started
        report.add(f"{database.label}; `flask --app wsgi demo generate --learners {options.agency_learners}` took {generated:.0f} s.")
        report.add()
        report.add("| page | viewer | median of 3 (in-process) | fastest | SQL statements |")
        report.add("|---|---|---:|---:|---:|")
        with app.test_request_context():
            from flask import url_for

            path = url_for(endpoint)
        # the demo agency account is bound to the demo cohort's Land (Brandenburg); the admin sees all
        for viewer, email in (("agency user, Brandenburg", fixture.agency_email), ("admin, all 16 Länder", fixture.admin_email)):
            timings, count, status = [], 0, 0
            client = app.test_client()
            with app.app_context():
                queries._login(client, email)
                engine = db.engine
            client.get(path)
            for _ in range(3):
                with queries.counting(engine) as statements:
                    started = time.perf_counter()
                    response = client.get(path)
                    timings.append(time.perf_counter() - started)
                count, status = statements[0], response.status_code
            if status != 200:
                report.fail("agency", f"{path} answered {status} for the {viewer}")
            report.add(f"| agency dashboard `{path}` | {viewer} | {statistics.median(timings) * 1000:.0f} ms | "
                       f"{min(timings) * 1000:.0f} ms | {count} |")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    except subprocess.CalledProcessError as exc:
        report.fail("agency", f"demo generate failed: {(exc.stderr or '').strip().splitlines()[-1:]}")
    except Exception as exc:
        traceback.print_exc()
        report.fail("agency", str(exc))
    finally:
        database.drop()
    report.add()


# ------------------------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    options = Options.parse(argv)
    report = Report()
    info = machine()
    command = "python -m bench.run " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    started = time.monotonic()
    report.add(f"## Benchmark suite{' (quick mode: small data, short runs — keeps the suite working, figures are rough)' if options.quick else ''}")
    report.add()
    report.add(f"- command: `{command.strip()}`")
    report.add(f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit {info['commit'] or '?'}")
    report.add(f"- machine: `nproc` = {info['nproc']}, {info['cpu']}, {info['ram']} RAM; Python {info['python']}; "
               f"load average at start {load_average()}")
    report.add(f"- load generator: {'wrk' if options.tool == 'wrk' or (options.tool == 'auto' and loadgen.wrk_available()) else 'Python client (wrk not installed: hello-world figures are client-bound)'}")
    report.add()
    kinds = available_databases(options, report)
    if not kinds:
        report.fail("setup", "no database to measure on")
    with tempfile.TemporaryDirectory(prefix="scc-bench-") as tmp:
        if options.workdir:
            tmp = options.workdir
            Path(tmp).mkdir(parents=True, exist_ok=True)
        for part in options.parts:
            function = globals()[f"part_{part}"]
            try:
                function(options, kinds, Path(tmp), report)
            except Exception as exc:
                traceback.print_exc()
                report.fail(part, f"{type(exc).__name__}: {exc}")
    report.add(f"_Run took {time.monotonic() - started:.0f} s; load average at the end {load_average()}._")
    if report.findings:
        report.add()
        report.add("**Findings:** " + "; ".join(report.findings))
    if report.failures:
        report.add()
        report.add("**The suite broke:** " + "; ".join(report.failures))
    if getattr(options, "report", None):
        Path(options.report).write_text(report.text(), encoding="utf-8")
    return 1 if report.failures or (options.strict and report.findings) else 0


if __name__ == "__main__":
    sys.exit(main())
