"""Benchmark: certificate rendering, single and as a cohort's ZIP, on one CPU core.

    .venv/bin/python -m bench.certificates [--count 1000] [--renders 200] [--cpu 0] [--database-url URL]

Sets up a throw-away database (SQLite file unless --database-url) with the demo course
(courses/smart-city-manager: 8 modules, 36 learning outcomes, so a two-page certificate with
logo, two signature images and a QR code), issues --count certificates to one cohort, then
measures:

- single renders (`render_pdf`) of distinct certificates: per render, and renders per second;
- the cohort ZIP (`write_cohort_zip`, what trainers download): total time for --count PDFs.

The process is pinned to one core (--cpu) so the figures mean "per core". Prints a Markdown
table for docs/performance.md."""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(app, count: int):
    from sqlalchemy import select

    from app.accounts.models import Role, User
    from app.catalogue.models import Course
    from app.catalogue.services import import_path
    from app.certificates.services import issue_certificate
    from app.cohorts.models import Cohort, Enrolment
    from app.extensions import db

    db.create_all()
    import_path(ROOT / "courses")
    course = db.session.scalar(select(Course).where(Course.slug == "smart-city-manager"))
    cohort = Cohort(course=course, name="Benchmark-Kohorte", land="12", starts_on=date(2027, 1, 11), seats=count)
    db.session.add(cohort)
    started = time.perf_counter()
    for n in range(count):
        user = User(email=f"learner{n}@example.net", name=f"Lernende Nummer {n} Müßig-Özdemir", role=Role.LEARNER)
        enrolment = Enrolment(user=user, cohort=cohort)
        db.session.add(enrolment)
        db.session.flush()
        issue_certificate(enrolment)
    db.session.commit()
    return cohort, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates in the cohort ZIP")
    parser.add_argument("--renders", type=int, default=200, help="single renders to time")
    parser.add_argument("--cpu", type=int, default=0, help="CPU core to pin the process to")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    from app import create_app
    from app.certificates.documents import cohort_certificates, render_pdf, write_cohort_zip
    from app.certificates.models import Certificate
    from app.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "COURSES_AUTO_RELOAD": False,
            "MAIL_DIR": f"{tmp}/mail", "CERTIFICATE_SIGNING_KEY": "35IG4KLQOlex4sbxQnaA8YYZJZtonCaiqNksekFfeDE=",
        })
        with app.app_context():
            if args.database_url:
                db.drop_all()
            cohort, issue_seconds = setup(app, max(args.count, args.renders))
            certificates = cohort_certificates(cohort)

            first = certificates[0]
            started = time.perf_counter()
            size = len(render_pdf(first))
            cold = time.perf_counter() - started

            wall, cpu = [], []
            for certificate in certificates[1:args.renders + 1]:
                w, c = time.perf_counter(), time.process_time()
                render_pdf(certificate)
                wall.append(time.perf_counter() - w)
                cpu.append(time.process_time() - c)

            batch = certificates[:args.count]
            zip_path = Path(tmp) / "cohort.zip"
            w, c = time.perf_counter(), time.process_time()
            with zip_path.open("wb") as target:
                write_cohort_zip(batch, target)
            zip_wall, zip_cpu = time.perf_counter() - w, time.process_time() - c
            zip_size = zip_path.stat().st_size
            db.session.remove()
            assert db.session.query(Certificate).count() >= args.count
            db.session.remove()
            db.engine.dispose()

    median = statistics.median(wall)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, pinned to core {args.cpu}; Python {platform.python_version()}")
    print()
    print("| measurement | figure |")
    print("|---|---|")
    print(f"| issue {max(args.count, args.renders)} certificates (snapshot, sign, number, queue mail) | {issue_seconds:.1f} s ({max(args.count, args.renders) / issue_seconds:.0f}/s) |")
    print(f"| first render in the process (fonts, ICC profile, layout caches cold) | {cold * 1000:.0f} ms |")
    print(f"| single render, median of {len(wall)} distinct certificates (wall) | {median * 1000:.1f} ms → {1 / median:.0f}/s |")
    print(f"| single render, mean CPU time | {statistics.mean(cpu) * 1000:.1f} ms → {1 / statistics.mean(cpu):.0f}/s per core |")
    print(f"| single render, 95th percentile (wall) | {sorted(wall)[int(len(wall) * 0.95) - 1] * 1000:.1f} ms |")
    print(f"| cohort ZIP of {len(batch)} certificates (wall / CPU) | {zip_wall:.1f} s / {zip_cpu:.1f} s → {len(batch) / zip_wall:.0f}/s |")
    print(f"| sizes | {size / 1024:.0f} KB per PDF, {zip_size / 1024 / 1024:.1f} MB ZIP |")


if __name__ == "__main__":
    main()
