"""How the pool's psycopg connections talk to PostgreSQL (issue 17): every round trip costs the app
about 20 µs of CPU in the kernel alone, and psycopg's own path a little more, where a hello-world
page costs 100 µs. Three things, each measured in docs/performance.md ("Fifth round: PostgreSQL's
round trips"):

- **Reads outside a transaction, a transaction from the first write.** A connection is handed out
  in autocommit. Its cursor begins a transaction right before the first statement that is not a
  plain read — INSERT, UPDATE, DELETE, SAVEPOINT, DDL, COPY, a `SELECT … FOR UPDATE/SHARE` — and
  from then on everything runs in it, as before, until commit or rollback. At PostgreSQL's default
  isolation (READ COMMITTED) each statement takes its own snapshot inside a transaction too, so a
  read sees exactly what it saw before; a page view that only reads saves the BEGIN and the
  ROLLBACK (two round trips), holds no transaction open while its template renders, and keeps
  psycopg's prepared statements (a ROLLBACK makes psycopg drop them all and send DEALLOCATE ALL).
  A connection that SQLAlchemy is told to give an isolation level (`execution_options(
  isolation_level=…)`, e.g. AUTOCOMMIT for VACUUM) is left exactly as SQLAlchemy sets it.
- **The ping only after idleness.** SQLAlchemy's pre-ping checks a connection at every checkout.
  Here an empty query straight through libpq checks it only when it has not answered for
  `DATABASE_PING_AFTER_IDLE_SECONDS` (0.5 s; HikariCP, the JDBC pool, skips its check for the same
  500 ms by default); a failed ping invalidates the pool's older connections, as pre-ping does. A
  connection the server ended within that window fails the statement that meets it, and
  SQLAlchemy then replaces every older connection; the login check (app.db.read_row), the first
  read of every signed-in page, retries once on a new connection, so signed-in pages do not
  notice.
- **`cursor.description` built when asked for.** SQLAlchemy asks every result for it, and psycopg
  builds a Python object per column (a dashboard: 71 of them), but SQLAlchemy uses it only the
  first time it sees a statement (the result's columns are cached with the compiled statement).

Nothing here is imported unless the database URL names psycopg."""
from __future__ import annotations

import re
import time
from collections.abc import Sequence
from functools import lru_cache

import psycopg
from psycopg import pq
from psycopg._column import Column
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

_LAZY = "_scc_begin_on_write"  # attribute on a psycopg connection: in autocommit until the first write
_ANSWERED = "scc_answered"  # connection record info: time.monotonic() when it was last given back
_TUPLES = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)
_READ = re.compile(r"\s*(?:SELECT|SHOW)\b", re.IGNORECASE)
_LOCKING = re.compile(r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _plain_read(query: str) -> bool:
    """A statement that neither writes nor locks: SELECT or SHOW without a locking clause."""
    return _READ.match(query) is not None and _LOCKING.search(query) is None


class _Description(Sequence):
    """A result's `cursor.description`, its Column objects made on first use. Holds what psycopg's
    Column reads from the cursor, as it was for this result."""

    __slots__ = ("pgresult", "_encoding", "adapters", "_columns")

    def __init__(self, pgresult, encoding: str, adapters) -> None:
        self.pgresult, self._encoding, self.adapters, self._columns = pgresult, encoding, adapters, None

    def __len__(self) -> int:
        return self.pgresult.nfields

    def __getitem__(self, index):
        if self._columns is None:
            self._columns = [Column(self, i) for i in range(self.pgresult.nfields)]  # type: ignore[arg-type]
        return self._columns[index]

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    def __repr__(self) -> str:
        return repr(list(self))


class Cursor(psycopg.Cursor):
    """The pool's cursor: begins the transaction before the first write of a connection handed out
    in autocommit, and describes its results lazily."""

    __slots__ = ()

    def _before(self, query) -> None:
        connection = self._conn
        if connection.autocommit and getattr(connection, _LAZY, False) and (not isinstance(query, str) or not _plain_read(query)):
            connection.autocommit = False  # the statement below begins the transaction

    def execute(self, query, params=None, **kwargs):
        self._before(query)
        return super().execute(query, params, **kwargs)

    def executemany(self, query, params_seq, **kwargs):
        self._before(query)
        return super().executemany(query, params_seq, **kwargs)

    def copy(self, statement, params=None, **kwargs):
        self._before(statement)
        return super().copy(statement, params, **kwargs)

    def stream(self, query, params=None, **kwargs):
        self._before(query)
        return super().stream(query, params, **kwargs)

    @property
    def description(self):
        result = self.pgresult
        if result and (result.nfields or result.status in _TUPLES):
            return _Description(result, self._encoding, self.adapters)
        return None


def install(engine, ping_after: float | None) -> None:
    """Listeners on `engine`'s pool and connections. `ping_after`: seconds of idleness after which a
    checkout pings (None: never, as without pool_pre_ping)."""

    def connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.cursor_factory = Cursor

    def checkout(dbapi_connection, connection_record, connection_proxy) -> None:
        if ping_after is not None:
            answered = connection_record.info.get(_ANSWERED)
            if answered is None or time.monotonic() - answered >= ping_after:
                ping(dbapi_connection)
        if not dbapi_connection.autocommit:  # idle: the pool rolled back whatever was open when it came back
            dbapi_connection.autocommit = True
        setattr(dbapi_connection, _LAZY, True)

    def checkin(dbapi_connection, connection_record) -> None:
        if dbapi_connection is not None:
            connection_record.info[_ANSWERED] = time.monotonic()

    def set_connection_execution_options(connection, options) -> None:
        if "isolation_level" in options:  # SQLAlchemy sets autocommit itself: leave it alone
            setattr(connection.connection.driver_connection, _LAZY, False)

    event.listen(engine, "connect", connect)
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    event.listen(engine, "set_connection_execution_options", set_connection_execution_options)


def ping(dbapi_connection) -> None:
    """An empty query straight through libpq. As SQLAlchemy's pre-ping does, a failed ping
    invalidates every connection the pool holds from before it (after a restart or failover they
    are all dead), and the pool connects afresh."""
    try:
        answered = dbapi_connection.pgconn.exec_(b"").status == pq.ExecStatus.EMPTY_QUERY
    except (psycopg.Error, MemoryError) as error:  # the socket is gone (some psycopg_c builds: MemoryError on no result)
        raise sa_exc.InvalidatePoolError(str(error)) from error
    if not answered:
        raise sa_exc.InvalidatePoolError(dbapi_connection.pgconn.get_error_message() or "no answer to a ping")

