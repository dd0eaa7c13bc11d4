"""The throw-away databases the parts measure on: an SQLite file in the run's folder, or a
PostgreSQL database per part on the server of --postgres-url (dropped afterwards)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench import data
from bench.suite.options import Options
from bench.suite.report import Report


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
