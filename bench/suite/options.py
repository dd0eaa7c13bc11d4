"""The command line of `python -m bench.run`: which parts, how much data, how long a load."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

from bench.server import Settings

PARTS = ("http", "queries", "certificates", "import", "agency")
DESCRIPTION = "The benchmark suite (issue 11): one command, `make bench` (= `python -m bench.run`)."  # bench/run.py's first line


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
        parser = argparse.ArgumentParser(prog="python -m bench.run", description=DESCRIPTION)
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
