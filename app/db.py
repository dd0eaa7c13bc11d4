"""The database: the declarative base shared by every model (with a naming convention for
constraints so that Alembic migrations name them the same way on SQLite and PostgreSQL), the
Flask-SQLAlchemy object `db` and the small helpers around the session. The bottom of the import
graph: it imports nothing from app but the clock."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

from app import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The default of timestamp columns (`default=utcnow`): the application's clock. Code that
    wants the time asks app.clock directly."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Created here, next to its Base, so that this module needs nothing above it; app.extensions
# re-exports it with the other extensions.
db = SQLAlchemy(model_class=Base)


def begin_writes() -> None:
    """For a page view (GET) that is about to write, e.g. the grading page marking a submission
    "in review": on SQLite, page views begin deferred transactions, which cannot wait for a
    concurrent writer once they have read (SQLITE_BUSY at once). This ends the read transaction
    and makes the rest of the request begin IMMEDIATE, waiting up to busy_timeout for the write
    lock. The caller re-reads what it decides on: every loaded object is expired. Other
    databases need nothing."""
    from flask import g

    g.begin_writes = True
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.rollback()


def add_unless_duplicate(row) -> bool:
    """Adds `row` in a savepoint; False when a unique constraint refuses it because the same row
    was written a moment ago (double click, a second tab, a concurrent request). The outer
    transaction goes on either way: the database, not a look-before-you-leap, decides."""
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


@contextmanager
def keep_loaded_on_commit() -> Iterator[None]:
    """Commits inside the block leave the loaded objects as they are instead of expiring them, so
    reading them afterwards sends no SELECT and opens no transaction (a mail about to be sent, an
    export whose builder commits its progress)."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = keep


def read_rows(statement, params: dict | None = None):
    """The result of a read of plain columns (no ORM entities), run on the session's connection:
    the session's ORM execution path costs about 30 µs per statement on top (issue 17: the
    grading queue and the progress matrix send four or five such reads per page). Unlike
    session.execute() it does not autoflush, so it is for page views that hold no pending changes."""
    return db.session.connection().execute(statement, params)
