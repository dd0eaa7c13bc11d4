"""The database: the declarative base shared by every model (with a naming convention for
constraints so that Alembic migrations name them the same way on SQLite and PostgreSQL), the
Flask-SQLAlchemy object `db` and the small helpers around the session. The bottom of the import
graph: it imports nothing from app but the clock."""
from __future__ import annotations

import os
import weakref
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

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


class _DriverStatement:
    """A Core SELECT compiled once for a dialect, with the type conversions SQLAlchemy would
    apply to its parameters and to the columns of its result."""

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.compiled = compiled
        self.order = compiled.positiontup if compiled.positional else None
        self.binds = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in compiled.binds.items()}
        # every parameter given by the caller (no defaults, no lists): read from `params` directly,
        # without construct_params' general walk
        self.given = None
        if all(bind.required and not bind.expanding and bind.callable is None for bind in compiled.binds.values()):
            self.given = [(compiled.escaped_bind_names.get(name, name), bind.key, self.binds[name]) for name, bind in compiled.binds.items()]
        self.columns = [(column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
                        for column in statement.selected_columns]
        self.keys = [key for key, _ in self.columns]
        self.processed = [(key, process) for key, process in self.columns if process is not None]
        self.libpq = None  # on psycopg: the same SQL for app.postgres.read_first
        if dialect.driver == "psycopg" and not compiled.positional:
            from app import postgres

            self.libpq = postgres.Read(self.sql)

    def parameters(self, params: dict):
        values = None
        if self.given is not None:
            try:
                values = {name: params[key] if process is None else process(params[key]) for name, key, process in self.given}
            except KeyError:  # construct_params says which one is missing
                pass
        if values is None:
            values = self.compiled.construct_params(params)
            for name, process in self.binds.items():
                if process is not None:
                    values[name] = process(values[name])
        return [values[name] for name in self.order] if self.order is not None else values

    def row(self, values) -> dict:
        row = dict(zip(self.keys, values))
        for key, process in self.processed:
            row[key] = process(row[key])
        return row


_DRIVER_STATEMENTS: dict[tuple[int, str, str], _DriverStatement] = {}  # (statement, dialect, driver) → compiled


def read_row(statement, params: dict) -> dict | None:
    """The first row of a Core SELECT (column key → value, converted as SQLAlchemy would), read
    straight through the database driver on a pooled connection of its own — not in the request's
    transaction, not through SQLAlchemy's Connection. For the login session check that runs before
    every signed-in page: through the ORM session (its transaction, SQLite's BEGIN, the rollback at
    teardown) it cost about five times the read itself. A page that goes on to query opens its
    transaction as usual. In tests the session is bound to one connection in a transaction; the
    read then uses that connection, so it sees what the test wrote; outside tests it sees committed
    rows only (pending changes are flushed first, but another connection cannot see them — the
    login check runs before anything is pending). Listeners of `before_cursor_execute` on the
    engine are told (with no SQLAlchemy connection, and no after_cursor_execute follows), so the
    tests' and benchmarks' statement counts stay true; a tracing tool that needs the connection
    must skip these. `statement` must be built once (module level): its compiled form is kept by id.
    On psycopg the pool hands the connection out in autocommit (app.postgres): one round trip,
    a statement prepared per connection and run straight through libpq (app.postgres.read_first;
    listeners then get no cursor either). A pooled connection the server has ended since it was
    last handed out (app.postgres pings only after idleness) is replaced, with the pool's other
    connections, and the read is tried once more."""
    session = db.session()
    session.flush()  # nothing to do unless changes are pending
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = (id(statement), engine.dialect.name, engine.dialect.driver)  # the statement is kept alive by its entry
    driver = _DRIVER_STATEMENTS.get(key)
    if driver is None:
        driver = _DRIVER_STATEMENTS[key] = _DriverStatement(statement, engine.dialect)
    parameters = driver.parameters(params)
    if not isinstance(bind, Engine):
        return _read_first(engine, bind, bind.connection, driver, parameters)
    for attempt in (1, 2):
        connection = engine.raw_connection()
        try:
            return _read_first(engine, None, connection, driver, parameters)
        except engine.dialect.loaded_dbapi.Error as error:
            if attempt == 2 or not engine.dialect.is_disconnect(error, connection.driver_connection, None):
                raise
            connection.invalidate(error)
            engine.dispose(close=False)  # the server went away: every pooled connection is dead too
        finally:
            connection.close()  # back to the pool, which rolls back whatever the driver began
    raise AssertionError("unreachable")


def _read_first(engine, bound, dbapi_connection, driver: _DriverStatement, parameters) -> dict | None:
    if driver.libpq is not None and bound is None:
        from app import postgres

        connection = dbapi_connection.driver_connection
        if postgres.reads_directly(connection):
            if engine.dispatch.before_cursor_execute:  # no cursor here
                engine.dispatch.before_cursor_execute(None, None, driver.sql, parameters, None, False)
            values = postgres.read_first(connection, driver.libpq, parameters)
            return None if values is None else driver.row(values)
    cursor = dbapi_connection.cursor()
    if engine.dispatch.before_cursor_execute:
        engine.dispatch.before_cursor_execute(bound, cursor, driver.sql, parameters, None, False)
    cursor.execute(driver.sql, parameters)
    values = cursor.fetchone()
    cursor.close()
    return None if values is None else driver.row(values)


def init_database(app) -> None:
    """`db.init_app`, and on psycopg the connection policy of app.postgres: reads in autocommit, a
    transaction from the first write, a ping only after idleness (in place of `pool_pre_ping`, the
    default in Config, which guards against connections the server dropped: a restart, a failover,
    an idle timeout) and lazily built result descriptions. SQLite has no server to drop a
    connection, and a file replaced under an open connection answers a ping all the same: no
    pre-ping (it was a `SELECT 1` at each of a page's checkouts, twice per signed-in page). Other
    drivers keep SQLAlchemy's pre-ping."""
    from sqlalchemy.engine import make_url

    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    psycopg = url.get_driver_name() == "psycopg"
    ping = options.get("pool_pre_ping")
    if url.get_backend_name() == "sqlite" and ping:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "pool_pre_ping": False}
    if psycopg:
        # a connection given back in autocommit has no transaction to roll back (app.postgres: the
        # page views): the pool's reset skips psycopg's rollback() call
        engine_options = {**options, "pool_pre_ping": False, "skip_autocommit_rollback": True}
        if not app.config.get("DATABASE_PREPARED_STATEMENTS", True):
            engine_options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            _new_pool_after_fork(engine)
    if psycopg:
        from app import postgres

        with app.app_context():
            postgres.install(db.engine, app.config.get("DATABASE_PING_AFTER_IDLE_SECONDS", 0.0) if ping else None)


def _new_pool_after_fork(engine: Engine) -> None:
    """A process forked from one whose pool holds connections (gunicorn's master with
    preload_app, gunicorn.conf.py) must open its own: two processes on one socket garble each
    other's statements. SQLAlchemy's recipe for forks: the child forgets the parent's pool
    without closing its connections (`dispose(close=False)`), which stay the parent's. The
    engine is held weakly, so an app that is gone (tests make many) is not kept alive."""
    reference = weakref.ref(engine)

    def in_child() -> None:
        engine = reference()
        if engine is not None:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=in_child)


def aggregated_pairs(key, value):
    """An aggregate of (key, value) text pairs as one string "k:v,k:v" — string_agg on PostgreSQL,
    group_concat on SQLite — for a correlated scalar subquery that brings a few rows of a child
    table along in a parent's statement instead of a statement of its own (issue 17). Keys and
    values must not contain ":" or ","; read back with `pairs`."""
    from sqlalchemy import String, cast, func

    return func.aggregate_strings(cast(key, String) + ":" + cast(value, String), ",")


def pairs(text: str | None) -> list[tuple[str, str]]:
    """The (key, value) pairs of an `aggregated_pairs` column (None: no rows)."""
    return [tuple(item.partition(":")[::2]) for item in text.split(",")] if text else []


def attach_row(model, row: dict):
    """The persistent `model` object of a row holding all its columns by key (e.g. from
    read_row), in the session as if the ORM had loaded it — or the one the session already holds
    for that primary key, as an ORM query would return."""
    session = db.session()
    shape = _ROW_SHAPES.get(model)
    if shape is None:
        mapper = sa_inspect(model)
        shape = _ROW_SHAPES[model] = (mapper, [c.key for c in mapper.primary_key],
                                      [(prop.key, prop.columns[0].key) for prop in mapper.column_attrs])
    mapper, primary_key, attributes = shape
    existing = session.identity_map.get(mapper.identity_key_from_primary_key([row[key] for key in primary_key]))
    if existing is not None:
        return existing
    instance = mapper.class_manager.new_instance()
    state = instance_state(instance)
    state.dict.update({attribute: row[column] for attribute, column in attributes})
    make_transient_to_detached(instance)
    # what session.add() does for a detached object, without its save-update cascade: an object
    # made here has no related objects loaded, so the cascade would find nothing to add
    session._update_impl(state)
    return instance


_ROW_SHAPES: dict[type, tuple] = {}  # model → (mapper, primary key column keys, (attribute, column key) pairs)


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


def read_before_writing() -> None:
    """For a request that may write (a POST) but first does slow work that writes nothing to the
    database — storing uploaded files: on SQLite its first transaction begins deferred, as a page
    view's does, so it holds no write lock while it reads and works; `begin_writes()` then ends
    that read transaction before the first write. Call it before the request's first statement.
    Other databases need nothing (PostgreSQL reads in autocommit and begins the transaction with
    the first write, app.postgres)."""
    from flask import g

    g.read_before_writing = True


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
