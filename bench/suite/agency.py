"""Part "agency": the agency dashboard at 100,000 learners made by `flask demo generate`, timed
in-process for an agency user and for the admin, with its SQL statements."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import data, queries
from bench.suite.databases import new_database
from bench.suite.options import Options
from bench.suite.report import Report, log

ROOT = Path(__file__).resolve().parents[2]


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
