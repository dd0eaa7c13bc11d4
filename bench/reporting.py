"""Benchmark: the agency dashboard at scale, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.reporting [--database-url URL] [--learners 100000] [--runs 15] [--explain]

Fills the database with `demo generate --learners N` (skipped when it holds that many generated
learners already; the time is reported), runs ANALYZE, then requests the dashboard (`/berichte`)
through the WSGI app — as an admin (all 16 Länder) and as an agency user bound to Bayern (the
second-largest Land in the generated data) — and reports the first (cold) request and the median
and slowest of --runs further ones, plus each reporting query on its own. With --explain it
prints the query plans (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE) of the
dashboard's queries, which show the covering indexes at work.

Default database: a SQLite file under /tmp/bench-reporting/ (kept between runs, so the data is
generated once). PostgreSQL: pass e.g. postgresql+psycopg://postgres@127.0.0.1/scc_bench_reporting
(the database must exist). Prints Markdown for docs/performance.md."""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-reporting-passwort"


def setup(app, learners: int) -> str:
    from sqlalchemy import text

    from app.catalogue.services import import_path
    from app.demo.generate import generate, generated_learner_count
    from app.extensions import db

    db.create_all()
    import_path(ROOT / "courses")
    db.session.commit()
    note = f"{generated_learner_count()} generated learners present"
    if generated_learner_count() < learners:
        started = time.perf_counter()
        cpu = time.process_time()
        report = generate(learners, progress=lambda r: print(f"  … {r.existing_learners + r.learners}", flush=True))
        db.session.commit()
        note = f"generated: {report} — wall {time.perf_counter() - started:.0f} s, CPU of this process {time.process_time() - cpu:.0f} s"
    db.session.commit()
    started = time.perf_counter()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return note + f"; ANALYZE {time.perf_counter() - started:.1f} s"


def users(app):
    from sqlalchemy import select

    from app.accounts.models import Role, User
    from app.accounts.passwords import hash_password
    from app.admin.services import set_agency_laender
    from app.extensions import db

    result = {}
    for email, role in (("bench-admin@example.org", Role.ADMIN), ("bench-agency@example.org", Role.AGENCY)):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=email.split("@")[0], role=role, password_hash=hash_password(PASSWORD))
            db.session.add(user)
            db.session.flush()
        if role == Role.AGENCY:
            set_agency_laender(user, ["09"])
        result[role.value] = email
    db.session.commit()
    return result


def time_dashboard(app, email: str, runs: int, url: str = "/berichte") -> dict:
    client = app.test_client()
    page = client.get("/anmelden")
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post("/anmelden", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    times, cpu = [], []
    for _ in range(runs + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, response.status_code
    return {"cold": times[0], "median": statistics.median(times[1:]), "max": max(times[1:]),
            "cpu_median": statistics.median(cpu[1:]), "bytes": len(response.get_data())}


def time_queries(app, runs: int) -> list[tuple[str, str, float]]:
    from app.reporting import queries

    result = []
    for label, f in (("alle Länder", queries.ReportFilter()), ("Bayern", queries.ReportFilter(lands=frozenset({"09"})))):
        for name, call in (
            ("breakdown (Land, Kreis)", lambda: queries.breakdown(f, ("land", "district"))),
            ("certifications (Monat, Tage)", lambda: queries.certifications(f)),
            ("monthly_counts (Zeitraum-Tabelle)", lambda: queries.monthly_counts(f)),
            ("breakdown (Kommune)", lambda: queries.breakdown(f, ("land", "district", "municipality"))),
            ("breakdown (Kohorte)", lambda: queries.breakdown(f, ("cohort",))),
            ("register, Seite 1", lambda: queries.register_page(f, 1, 50, False)),
        ):
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                call()
                times.append(time.perf_counter() - started)
            result.append((label, name, statistics.median(times)))
    return result


def explain(app) -> None:
    from sqlalchemy import event

    from app.extensions import db
    from app.reporting import queries

    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    f = queries.ReportFilter(lands=frozenset({"09"}))
    queries.breakdown(f, ("land", "district"))
    queries.certifications(f)
    event.remove(db.engine, "before_cursor_execute", capture)
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    for statement, parameters in captured:
        print("\n```sql\n" + statement.strip() + "\n```\n")
        prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
        print("```")
        for row in connection.exec_driver_sql(prefix + statement, parameters):
            print(row[-1] if not postgres else row[0])
        print("```")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-reporting/campus.sqlite3")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:////"):
        Path(args.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    from app import create_app
    from app.config import TestConfig

    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=args.database_url, COURSES_DIR=str(ROOT / "courses"), SERVER_NAME=None,
                    WTF_CSRF_ENABLED=True, MAIL_DIR="/tmp/bench-reporting/mail")
    app = create_app(settings)
    with app.app_context():
        note = setup(app, args.learners)
        accounts = users(app)
        from app.extensions import db

        dialect = db.engine.dialect.name
    print(f"## {dialect}: {note}\n")
    print(f"Python {platform.python_version()}, {dialect}, nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    print("| dashboard `/berichte` | first request | median | slowest | CPU (median) | HTML |")
    print("|---|---|---|---|---|---|")
    for label, role in (("Admin, alle 16 Länder", "admin"), ("Agentur, Bayern", "agency")):
        with app.app_context():
            r = time_dashboard(app, accounts[role], args.runs)
        print(f"| {label} | {r['cold'] * 1000:.0f} ms | {r['median'] * 1000:.0f} ms | {r['max'] * 1000:.0f} ms "
              f"| {r['cpu_median'] * 1000:.0f} ms | {r['bytes'] // 1024} KB |")
    print("\n| scope | query | median |\n|---|---|---|")
    with app.app_context():
        for label, name, seconds in time_queries(app, max(3, args.runs // 3)):
            print(f"| {label} | {name} | {seconds * 1000:.0f} ms |")
        if args.explain:
            explain(app)


if __name__ == "__main__":
    main()
