"""Load test (issue 10): simulated learners against gunicorn + PostgreSQL, one worker killed with
SIGKILL halfway, then a count in the database that nothing acknowledged was lost and nothing is
half-written.

    .venv/bin/python -m bench.load [-u 200] [-r 20] [-t 3m] [--database postgresql|sqlite] [--report FILE]

Steps, all on 127.0.0.1 and bounded by `-t`:
1. a throw-away database (PostgreSQL by default: BENCH_DATABASE_URL or the server of
   TEST_DATABASE_URL), the demo course, and as many generated learners as simulated users;
2. gunicorn with the production settings of docs/deployment.md (2 workers per core, 2 threads);
3. locust, headless (bench/locustfile.py): log in, read lessons and mark them done, answer quizzes,
   upload files to assignments (a draft, then the hand-in) — every acknowledged write is recorded;
4. halfway through, SIGKILL to one gunicorn worker; gunicorn starts a new one and the run goes on;
5. afterwards, in the database and the file store:
   - every acknowledged quiz attempt is stored, submitted and scored; every acknowledged hand-in
     has its version; every acknowledged file has its row and the stored bytes match its SHA-256;
   - no attempt half-scored (submitted without score/result, or passed without its progress row);
   - no submission version without its files (every simulated hand-in included files);
   - no file in the store without a row, other than ones younger than the clean-up grace
     (`assignments cleanup-files --min-age-minutes`), which are listed; no stored progress that
     disagrees with its rows.
Prints a Markdown report (p95 latency per request type, failures, the checks); exit status 1 if
anything was lost or half-written."""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from bench import data
from bench.server import Gunicorn, Settings
from bench.suite.options import default_postgres_url
from bench.suite.report import load_average, machine

ROOT = Path(__file__).resolve().parents[1]
CLEANUP_GRACE_MINUTES = 60  # the default of `flask --app wsgi assignments cleanup-files`


def parse_duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    if text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def plan(app, users: int) -> dict:
    """What the simulated learners do: the open modules of the demo course and who logs in."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.catalogue.models import Course
    from app.extensions import db

    course = db.session.scalar(select(Course).where(Course.slug == data.COURSE))
    modules = []
    for module in course.modules:
        if module.archived_at is not None or module.prerequisites:
            continue  # a module behind prerequisites stays locked for most learners
        modules.append({
            "slug": module.slug,
            "lessons": [l.slug for l in module.lessons if l.archived_at is None],
            "assignment": next((a.slug for a in module.assignments if a.archived_at is None), None),
        })
    learners = db.session.scalars(select(User.email).where(User.email.like("gen-%")).order_by(User.id).limit(users)).all()
    return {"course": course.slug, "modules": modules, "learners": list(learners), "password": data.PASSWORD}


def kill_a_worker(server: Gunicorn, at: float, events: list) -> None:
    time.sleep(at)
    pids = server.worker_pids()
    if not pids:
        events.append(("no worker to kill", time.time(), None))
        return
    victim = pids[0]
    os.kill(victim, signal.SIGKILL)
    events.append(("killed", time.time(), victim))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = server.worker_pids()
        if len(now) >= server.settings.workers and victim not in now:
            events.append(("replaced", time.time(), sorted(set(now) - set(pids))))
            return
        time.sleep(0.2)
    events.append(("not replaced within 60 s", time.time(), server.worker_pids()))


def children_cpu_seconds() -> float:
    """User + system CPU of the child processes waited for so far (getrusage): the load generator
    once it has exited, gunicorn with all its workers once it has been stopped."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_json_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# "Incomplete response": the worker died after it had begun to send the response (a GET cut off)
CONNECTION_ERRORS = ("ConnectionReset", "connection closed", "Remote end closed", "RemoteDisconnected", "BrokenPipe",
                     "Incomplete response")


def classify_failures(failures: list[dict], killed_at: float | None) -> dict[str, list[dict]]:
    """Failed requests (bench/locustfile.py's LOAD_FAILURE_FILE) by cause:
    - "in flight": a connection error of a request that started before the SIGKILL and ended after it;
    - "kept-alive connection": a connection error of a request started after the kill that is its
      learner's first failure after the kill — its learner's connection was to the killed worker (the
      client retries GET requests on a new connection by itself, as browsers do, but not POSTs);
    - "other": everything else, which the goal allows none of."""
    groups: dict[str, list[dict]] = {"in flight": [], "kept-alive connection": [], "other": []}
    failed_after_kill: set = set()
    for failure in sorted(failures, key=lambda f: f["start"]):
        connection = any(marker in failure["error"] for marker in CONNECTION_ERRORS)
        if killed_at is not None and connection and failure["start"] <= killed_at <= failure["end"]:
            groups["in flight"].append(failure)
            failed_after_kill.add(failure["learner"])
        elif (killed_at is not None and connection and failure["start"] > killed_at
              and failure["learner"] not in failed_after_kill):
            groups["kept-alive connection"].append(failure)
            failed_after_kill.add(failure["learner"])
        else:
            groups["other"].append(failure)
    return groups


def read_stats(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def check(app, acks: list[dict], store_root: Path) -> list[tuple[str, int, list]]:
    """(check, problems, examples) — zero problems everywhere means nothing lost or half-written."""
    from sqlalchemy import func, select

    from app.accounts.models import User
    from app.assignments.models import Submission, SubmissionFile, SubmissionVersion
    from app.catalogue.models import Assignment, Lesson, Module
    from app.cohorts.models import Enrolment
    from app.extensions import db
    from app.progress.models import ItemType, ProgressItem
    from app.quizzes.models import QuizAttempt

    results = []

    def record(name: str, problems: list) -> None:
        results.append((name, len(problems), problems[:5]))

    with app.app_context():
        session = db.session
        # 1. acknowledged quiz attempts: stored, submitted, scored
        acked_attempts = {a["attempt_id"] for a in acks if a["kind"] == "attempt"}
        stored = {row.id: row for row in session.scalars(select(QuizAttempt).where(QuizAttempt.id.in_(acked_attempts)))} if acked_attempts else {}
        record(f"acknowledged quiz submissions stored and scored ({len(acked_attempts)})",
               [i for i in acked_attempts if i not in stored or stored[i].submitted_at is None or stored[i].score is None])

        # 2. no attempt half-scored, anywhere in the database
        half = session.scalars(select(QuizAttempt.id).where(
            QuizAttempt.submitted_at.is_not(None),
            (QuizAttempt.score.is_(None)) | (QuizAttempt.max_score.is_(None)) | (QuizAttempt.passed.is_(None)) | (QuizAttempt.results.is_(None)),
        )).all()
        record("no submitted attempt without score and result", list(half))
        passed_without_progress = session.execute(
            select(QuizAttempt.id).where(QuizAttempt.passed.is_(True)).where(~select(ProgressItem.id).where(
                ProgressItem.enrolment_id == QuizAttempt.enrolment_id, ProgressItem.item_type == ItemType.QUIZ,
                ProgressItem.item_id == QuizAttempt.quiz_id).exists())
        ).scalars().all()
        record("no passed attempt without its progress row", list(passed_without_progress))

        # 3. acknowledged lessons marked done
        emails = {a["email"] for a in acks}
        enrolment_of = dict(session.execute(
            select(User.email, Enrolment.id).join(Enrolment, Enrolment.user_id == User.id).where(User.email.in_(emails))
        ).all()) if emails else {}
        lesson_ids = {(m, l): i for i, l, m in session.execute(select(Lesson.id, Lesson.slug, Module.slug).join(Module))}
        done = set(session.execute(select(ProgressItem.enrolment_id, ProgressItem.item_id).where(
            ProgressItem.item_type == ItemType.LESSON, ProgressItem.enrolment_id.in_(enrolment_of.values()))).all()) if enrolment_of else set()
        lessons = [a for a in acks if a["kind"] == "lesson"]
        record(f"acknowledged lessons recorded as done ({len(lessons)})",
               [a for a in lessons if (enrolment_of.get(a["email"]), lesson_ids.get((a["module"], a["lesson"]))) not in done])

        # 4. acknowledged hand-ins and files
        assignment_ids = {(m, a): i for i, a, m in session.execute(select(Assignment.id, Assignment.slug, Module.slug).join(Module))}
        versions = set(session.execute(
            select(Submission.enrolment_id, Submission.assignment_id).join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        ).all())
        handed_in = [a for a in acks if a["kind"] == "version"]
        record(f"acknowledged hand-ins stored as versions ({len(handed_in)})",
               [a for a in handed_in if (enrolment_of.get(a["email"]), assignment_ids.get((a["module"], a["assignment"]))) not in versions])
        rows = session.execute(select(SubmissionFile.filename, SubmissionFile.storage_key, SubmissionFile.size, SubmissionFile.sha256)).all()
        by_name = {r.filename: r for r in rows}
        files = [a for a in acks if a["kind"] == "file"]
        record(f"acknowledged files stored as rows ({len(files)})", [a["filename"] for a in files if a["filename"] not in by_name])

        # 5. every row's bytes are complete on disk
        broken = []
        for row in rows:
            path = store_root / row.storage_key[:2] / row.storage_key
            try:
                content = path.read_bytes()
            except OSError:
                broken.append(f"{row.filename}: missing")
                continue
            if len(content) != row.size or hashlib.sha256(content).hexdigest() != row.sha256:
                broken.append(f"{row.filename}: size or checksum differs")
        record(f"every file row has its complete bytes in the store ({len(rows)})", broken)

        # 6. no version without its files
        empty = session.scalars(select(SubmissionVersion.id).where(
            ~select(SubmissionFile.id).where(SubmissionFile.version_id == SubmissionVersion.id).exists(),
            SubmissionVersion.submission_id.in_(select(Submission.id).where(Submission.enrolment_id.in_(enrolment_of.values()))),
        )).all() if enrolment_of else []
        record("no handed-in version without its files", list(empty))

        # 7. files without rows: allowed only while younger than the clean-up grace
        keys = {r.storage_key for r in rows}
        orphans, old = [], []
        now = time.time()
        if store_root.exists():
            for folder in store_root.iterdir():
                if not folder.is_dir():
                    continue
                for path in folder.iterdir():
                    if folder.name == "tmp" or path.name not in keys:
                        age = now - path.stat().st_mtime
                        orphans.append(f"{folder.name}/{path.name}")
                        if age > CLEANUP_GRACE_MINUTES * 60:
                            old.append(f"{folder.name}/{path.name}")
        record(f"no file without a row older than the clean-up grace of {CLEANUP_GRACE_MINUTES} min "
               f"({len(orphans)} younger orphan(s), left for `assignments cleanup-files`)", old)

        # 8. stored progress agrees with its rows
        counted = dict(session.execute(
            select(ProgressItem.enrolment_id, func.count()).where(ProgressItem.item_type.in_((ItemType.LESSON, ItemType.QUIZ, ItemType.ASSIGNMENT)),
                                                              ProgressItem.enrolment_id.in_(enrolment_of.values()))
            .group_by(ProgressItem.enrolment_id)).all()) if enrolment_of else {}
        stored_done = dict(session.execute(select(Enrolment.id, Enrolment.items_done).where(Enrolment.id.in_(enrolment_of.values()))).all()) if enrolment_of else {}
        record("stored progress (items done) agrees with the progress rows",
               [e for e, n in stored_done.items() if counted.get(e, 0) != n])
        db.session.remove()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("-u", "--users", type=int, default=200)
    parser.add_argument("-r", "--spawn-rate", type=float, default=20)
    parser.add_argument("-t", "--run-time", default="3m", help="e.g. 3m, 90s")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--postgres-url", default=default_postgres_url())
    parser.add_argument("--workers", type=int, default=Settings().workers)
    parser.add_argument("--threads", type=int, default=Settings().threads)
    parser.add_argument("--no-kill", action="store_true", help="do not kill a worker")
    parser.add_argument("--report", help="also write the Markdown report to this file")
    parser.add_argument("--workdir", help="keep database files, uploads, logs and locust CSVs here")
    args = parser.parse_args(argv)
    run_seconds = parse_duration(args.run_time)
    settings = Settings(workers=args.workers, threads=args.threads)
    lines: list[str] = []

    def out(text: str = "") -> None:
        lines.append(text)
        print(text, flush=True)

    info = machine()
    command = "python -m bench.load " + " ".join(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="scc-load-") as tmp_name:
        tmp = Path(args.workdir or tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.database == "postgresql":
            reason = data.postgres_reachable(args.postgres_url)
            if reason:
                print(f"PostgreSQL not reachable at {args.postgres_url}: {reason}", file=sys.stderr)
                return 2
            url = f"{args.postgres_url}_{os.getpid()}_load"
            data.recreate_postgres(url)
        else:
            url = f"sqlite:///{tmp / 'load.sqlite3'}"
        try:
            print(f"[load] {args.database}: generating {args.users} learners", file=sys.stderr, flush=True)
            app = data.make_app(url, tmp)
            with app.app_context():
                data.build(app, learners=args.users)
                scenario = plan(app, args.users)
                from app.extensions import db

                data.analyze(url, db.engine)

                db.session.remove()
                db.engine.dispose()
            (tmp / "plan.json").write_text(json.dumps(scenario), encoding="utf-8")
            acks_path = tmp / "acks.jsonl"
            acks_path.unlink(missing_ok=True)
            failures_path = tmp / "failures.jsonl"
            failures_path.unlink(missing_ok=True)
            stats_prefix = tmp / "locust"
            env = {**data.server_env(url, tmp)}
            events: list = []
            load_start = load_average()
            cpu_before_server = children_cpu_seconds()
            with Gunicorn("wsgi:app", settings, env=env, log=tmp / "gunicorn.log") as server:
                print(f"[load] gunicorn on {server.base}; locust -u {args.users} -r {args.spawn_rate} -t {args.run_time}",
                      file=sys.stderr, flush=True)
                killer = None
                if not args.no_kill:
                    killer = threading.Thread(target=kill_a_worker, args=(server, run_seconds / 2, events), daemon=True)
                locust_env = {**os.environ, "LOAD_PLAN_FILE": str(tmp / "plan.json"), "LOAD_ACK_FILE": str(acks_path),
                              "LOAD_FAILURE_FILE": str(failures_path),
                              "PYTHONPATH": str(ROOT)}
                command_locust = [
                    sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                    "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time, "--host", server.base,
                    "--csv", str(stats_prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
                ]
                started = time.time()
                if killer:
                    killer.start()
                cpu_before_locust = children_cpu_seconds()
                completed = subprocess.run(command_locust, cwd=ROOT, env=locust_env, capture_output=True, text=True,
                                           timeout=run_seconds + 120)
                locust_seconds = time.time() - started
                locust_cpu = children_cpu_seconds() - cpu_before_locust
                (tmp / "locust.log").write_text(completed.stdout + completed.stderr, encoding="utf-8")
                if killer:
                    killer.join(70)
                workers_after = len(server.worker_pids())
                memory = server.memory()
            server_cpu = children_cpu_seconds() - cpu_before_server - locust_cpu
            acks = read_json_lines(acks_path)
            results = check(app, acks, Path(env["FILE_STORAGE_DIR"]))
        finally:
            if args.database == "postgresql":
                data.drop_postgres(url)

        stats = read_stats(stats_prefix)
        failures = read_failures(stats_prefix)
        kill = next((e for e in events if e[0] == "killed"), None)
        by_cause = classify_failures(read_json_lines(failures_path), kill[1] if kill else None)
        replaced = next((e for e in events if e[0] == "replaced"), None)
        after_kill = sum(1 for a in acks if kill and a["t"] > kill[1])

        out(f"## Load test (issue 10){'' if args.users >= 200 else ' — short development run'}")
        out()
        out(f"- command: `{command.strip()}`")
        out(f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit {info['commit'] or '?'}")
        out(f"- machine: `nproc` = {info['nproc']}, {info['cpu']}, {info['ram']} RAM; load average before {load_start}, after {load_average()}")
        out(f"- server: `{settings.describe()}` on {'PostgreSQL' if args.database == 'postgresql' else 'SQLite'}, "
            f"locust in the same machine ({args.users} users, spawn rate {args.spawn_rate}/s, {args.run_time})")
        if kill:
            out(f"- worker {kill[2]} killed with SIGKILL after {kill[1] - started:.0f} s; "
                + (f"gunicorn replaced it after {replaced[1] - kill[1]:.1f} s; " if replaced else "**it was not replaced**; ")
                + f"{after_kill} writes acknowledged after the kill; {workers_after} workers at the end")
        elif not args.no_kill:
            out("- **no worker was killed** (" + "; ".join(str(e[0]) for e in events) + ")")
        out(f"- CPU time (user + system) during the {locust_seconds:.0f} s of load: the load generator (locust) "
            f"{locust_cpu:.0f} s = {locust_cpu / locust_seconds:.2f} cores; gunicorn (master and all workers, "
            f"start-up included) {server_cpu:.0f} s = {server_cpu / locust_seconds:.2f} cores; of {info['nproc']} cores")
        out()
        out("| request | count | failures | median | p95 | p99 | max |")
        out("|---|---:|---:|---:|---:|---:|---:|")
        for row in stats:
            out(f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['Median Response Time']} ms | "
                f"{row['95%']} ms | {row['99%']} ms | {float(row['Max Response Time']):.0f} ms |")
        out()
        if failures:
            out("Failures (locust): " + "; ".join(f"{f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures[:8]))
            out()
        out("Failures by cause: " + ", ".join(f"{len(group)} {cause}" for cause, group in by_cause.items())
            + " (in flight: connection errors of requests running at the SIGKILL; kept-alive connection: a learner's "
              "first request after the kill on its connection to the killed worker, a POST, which the client does not retry)")
        if by_cause["other"]:
            out("Other failures: " + "; ".join(f"{f['method']} {f['name']}: {f['error']}" for f in by_cause["other"][:8]))
        out()
        kinds = Counter(a["kind"] for a in acks)
        out("Acknowledged writes: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        out()
        out("| check in the database and file store | problems |")
        out("|---|---:|")
        for name, problems, examples in results:
            out(f"| {name} | {problems}{' — e.g. ' + ', '.join(map(str, examples)) if problems else ''} |")
        if memory:
            out()
            out(f"Worker memory after the run: RSS {min(m['rss_mib'] for m in memory):.0f}–{max(m['rss_mib'] for m in memory):.0f} MiB.")
        if completed.returncode not in (0, 1):  # locust exits 1 when any request failed
            out()
            out(f"**locust exited with {completed.returncode}**: {completed.stderr.strip().splitlines()[-3:]}")
        lost = sum(problems for _, problems, _ in results)
        if args.report:
            Path(args.report).write_text("\n".join(lines) + "\n", encoding="utf-8")
        broken = lost or completed.returncode not in (0, 1) or (not args.no_kill and not replaced)
        return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
