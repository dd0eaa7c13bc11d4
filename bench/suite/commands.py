"""Parts "certificates" and "import": other bench commands (bench/certificates.py,
bench/import_courses.py), run as they are in a subprocess; their Markdown tables go into the report."""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from bench.suite.databases import new_database
from bench.suite.options import Options
from bench.suite.report import Report, log

ROOT = Path(__file__).resolve().parents[2]


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
