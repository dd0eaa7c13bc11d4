"""Part "queries": SQL statements per page, counted in-process, as the data grow 1×, 10×, 100×."""
from __future__ import annotations

import traceback
from pathlib import Path

from bench import data, queries
from bench.suite.databases import new_database
from bench.suite.options import Options
from bench.suite.report import Report, log


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
                from app.accounts import login_cache
                from app.extensions import db

                login_cache.stop(app)  # its listener's connection would hold the database open
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
