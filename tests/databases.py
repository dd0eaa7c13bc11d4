"""Test databases: SQLite files by default, PostgreSQL when TEST_DATABASE_URL is set.

Every pytest-xdist worker gets its own database."""
from __future__ import annotations

import os
from pathlib import Path

import psycopg
from psycopg import sql


def postgres_url(suffix: str) -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    base, name = url.rsplit("/", 1)
    return f"{base}/{name}_{suffix}"


def recreate_postgres(url: str) -> None:
    base, name = url.rsplit("/", 1)
    dsn = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def fresh_database(tmp: Path, suffix: str) -> str:
    """URL of an empty database for this worker and purpose."""
    url = postgres_url(suffix)
    if url:
        recreate_postgres(url)
        return url
    path = tmp / f"{suffix}.sqlite3"
    for leftover in tmp.glob(f"{suffix}.sqlite3*"):
        leftover.unlink()
    return f"sqlite:///{path}"
