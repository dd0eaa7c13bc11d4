"""Where a page's time goes, in-process: CPU per request for a ladder of pages, from a bare Flask
"hello world" up to the learner's pages, with the SQL statements each sends.

    .venv/bin/python -m bench.floor [--requests 1000] [--database-url URL]

No server and no network: Flask's test client in one process, so the figures are the app's own
cost per request (gunicorn's HTTP parsing and the load generator come on top under `make
bench`). Each rung adds one thing to the one before; the differences show what it costs.
Default database: a throw-away SQLite file with the demo course and the demo accounts."""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench import data, queries


def cpu_per_request(client, path: str, requests: int) -> tuple[float, int]:
    for _ in range(min(100, requests)):  # warm caches, compiled statements, templates
        response = client.get(path)
    started = time.process_time()
    for _ in range(requests):
        response = client.get(path)
    return (time.process_time() - started) * 1000 / requests, response.status_code


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a throw-away SQLite file")
    options = parser.parse_args()

    from bench.hello import app as hello

    rows = [("bare Flask hello world (bench/hello.py)", *cpu_per_request(hello.test_client(), "/", options.requests * 3), 0)]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = options.database_url or f"sqlite:///{workdir / 'floor.sqlite3'}"
        app = data.make_app(url, workdir)
        from app.extensions import db

        with app.app_context():
            fixture = data.build(app, 0)
            engine = db.engine
        anonymous = app.test_client()
        learner = app.test_client()
        with app.app_context():
            queries._login(learner, fixture.learner_email)
        ladder = [
            ("health check (database and file store)", anonymous, "/healthz"),
            ("imprint page, anonymous (layout, translations)", anonymous, "/impressum"),
            ("imprint page, signed in (+ session, user row, navigation)", learner, "/impressum"),
            ("lesson page (+ course, enrolment, progress, lesson)", learner, fixture.lesson_path),
            ("learner dashboard (+ every course's progress, due dates, feedback, sessions)", learner, fixture.dashboard_path),
        ]
        for label, client, path in ladder:
            rows.append((label, *cpu_per_request(client, path, options.requests), statements(engine, client, path)))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    print(f"CPU per request, in-process, {options.requests} requests each ({'SQLite' if not options.database_url else url.split(':')[0]})")
    print()
    print("| page | CPU per request | × hello world | SQL statements |")
    print("|---|---:|---:|---:|")
    base = rows[0][1]
    for label, ms, status, count in rows:
        if status != 200:
            raise SystemExit(f"{label} answered {status}")
        print(f"| {label} | {ms:.2f} ms | {ms / base:.1f} | {count} |")


if __name__ == "__main__":
    main()
