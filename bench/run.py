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
shared machine are noise.

The parts live in bench/suite/ (one module each; see its __init__.py); this module runs them."""
from __future__ import annotations

import shlex
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench import loadgen
from bench.suite.agency import part_agency
from bench.suite.commands import part_certificates, part_import
from bench.suite.databases import available_databases
from bench.suite.options import Options
from bench.suite.report import Report, load_average, machine
from bench.suite.statements import part_queries
from bench.suite.throughput import part_http

PART_FUNCTIONS = {"http": part_http, "queries": part_queries, "certificates": part_certificates, "import": part_import,
                  "agency": part_agency}


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
            function = PART_FUNCTIONS[part]
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
