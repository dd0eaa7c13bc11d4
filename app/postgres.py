"""How the pool's psycopg connections talk to PostgreSQL (issue 17): every round trip costs the app
about 20 µs of CPU in the kernel alone, and psycopg's own path a little more, where a hello-world
page costs 100 µs. Five things, measured in docs/performance.md ("Fifth round: PostgreSQL's round
trips", "Sixth round: PostgreSQL's per-statement cost"):

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
  Here an empty query straight through libpq checks it only when it has not been handed out for
  `DATABASE_PING_AFTER_IDLE_SECONDS` (0.5 s; HikariCP, the JDBC pool, skips its check for the same
  500 ms by default); a failed ping invalidates the pool's older connections, as pre-ping does. A
  connection the server ended within that window fails the statement that meets it, and
  SQLAlchemy then replaces every older connection; the login check (app.db.read_row), the first
  read of every signed-in page, retries once on a new connection, so signed-in pages do not
  notice.
- **`cursor.description` built when asked for.** SQLAlchemy asks every result for it, and psycopg
  builds a Python object per column (a dashboard: 71 of them), but SQLAlchemy uses it only the
  first time it sees a statement (the result's columns are cached with the compiled statement).
- **A closed cursor's adapters for the next cursor of its connection** (`Cursor`): psycopg gives
  each new cursor a new Transformer, which looks up the dumpers and loaders of every statement
  afresh in Python.
- **The login check's read straight through libpq** (`Read`, `read_first`): prepared once per
  connection under a name of its own, in autocommit, without psycopg's cursor.

Nothing here is imported unless the database URL names psycopg."""
from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from functools import lru_cache

import psycopg
from psycopg import pq
from psycopg._column import Column
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

_LAZY = "_scc_begin_on_write"  # attribute on a psycopg connection: in autocommit until the first write
_SPARE = "_scc_spare_transformers"  # attribute on a psycopg connection: Transformers of its closed cursors
_SPARE_KEPT = 4  # more than SQLAlchemy ever has open at once on one connection
_READS = "_scc_reads"  # attribute on a psycopg connection: (Transformer, names of the Reads it prepared)
_HANDED_OUT = "scc_handed_out"  # connection record info: time.monotonic() when it was last handed out (or made)
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
    in autocommit, describes its results lazily, and takes over the type adapters (psycopg's
    Transformer) of a closed cursor of the same connection."""

    __slots__ = ()

    def _start_query(self, query=None):
        # psycopg makes a new Transformer for every statement of a new cursor — and SQLAlchemy makes
        # a new cursor for every statement — so each one looks up its parameters' dumpers and its
        # columns' loaders afresh in Python. A connection keeps those of its closed cursors instead.
        if query is not None and self._last_query is not query and not self._closed:
            spare = getattr(self._conn, _SPARE, None)
            if spare:
                self._tx = spare.pop()
                self._last_query = query  # psycopg keeps a cursor's Transformer for its last query
        yield from super()._start_query(query)

    def close(self) -> None:
        # a Transformer last used by a statement (not by COPY, whose row dumpers are its own)
        transformer = self._tx if self._last_query is not None and not self._closed else None
        super().close()
        spare = getattr(self._conn, _SPARE, None)
        if transformer is not None and spare is not None and len(spare) < _SPARE_KEPT:
            transformer.set_pgresult(None)
            spare.append(transformer)

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


_PLACEHOLDER = re.compile(r"%\(([^)]+)\)s|%%")  # SQLAlchemy's SQL for psycopg: %(name)s, and %% for a literal %
_INVALID_STATEMENT_NAME = b"26000"
_READ_NAMES = itertools.count()


class Read:
    """A SELECT of one row that the login check runs on every signed-in page, straight through
    libpq (app.db.read_row) — psycopg's cursor (a Python generator per execute, its prepared-
    statement bookkeeping, a new Transformer) cost the login check more than the rest of its read.
    Prepared once per connection under a name of its own; parameters are sent as text and their
    types taken from the statement (SQLAlchemy casts every parameter for psycopg), results loaded
    by the same psycopg loaders a cursor uses."""

    __slots__ = ("sql", "order", "name", "_encoded")

    def __init__(self, sql: str) -> None:
        order: list[str] = []

        def numbered(match: re.Match) -> str:
            if match.group(1) is None:
                return "%"
            if match.group(1) not in order:
                order.append(match.group(1))
            return f"${order.index(match.group(1)) + 1}"

        self.sql = _PLACEHOLDER.sub(numbered, sql)
        self.order = tuple(order)
        self.name = b"_scc_read_%d" % next(_READ_NAMES)
        self._encoded: dict[str, bytes] = {}

    def query(self, encoding: str) -> bytes:
        encoded = self._encoded.get(encoding)
        if encoded is None:
            encoded = self._encoded[encoding] = self.sql.encode(encoding)
        return encoded


def reads_directly(dbapi_connection) -> bool:
    """Whether `read_first` may run on this connection: one of the pool's, in autocommit and
    outside a transaction (an error there aborts nothing)."""
    return (getattr(dbapi_connection, _SPARE, None) is not None and dbapi_connection.autocommit
            and dbapi_connection.pgconn.transaction_status == pq.TransactionStatus.IDLE)


def read_first(dbapi_connection, read: Read, params: dict) -> tuple | None:
    """The first row of `read` (values as a psycopg cursor would give them), or None. Raises
    psycopg's error for the server's error, as a cursor would (a dropped connection: the
    connection is then `closed`, which SQLAlchemy's is_disconnect reads)."""
    state = getattr(dbapi_connection, _READS, None)
    if state is None:  # this connection's Transformer for the reads, and the reads it has prepared
        state = (Transformer(dbapi_connection), set())
        setattr(dbapi_connection, _READS, state)
    transformer, prepared = state
    pgconn = dbapi_connection.pgconn
    values = transformer.dump_sequence([params[name] for name in read.order], [PyFormat.TEXT] * len(read.order))
    query = read.query(transformer.encoding)
    if dbapi_connection.prepare_threshold is None:  # DATABASE_PREPARED_STATEMENTS off: a pooler in between
        result = pgconn.exec_params(query, values)
    else:
        if read.name not in prepared:
            _prepare(dbapi_connection, read, query, prepared)
        result = pgconn.exec_prepared(read.name, values)
        if result.status == pq.ExecStatus.FATAL_ERROR and result.error_field(pq.DiagnosticField.SQLSTATE) == _INVALID_STATEMENT_NAME:
            # gone: psycopg sends DEALLOCATE ALL after a ROLLBACK when it had prepared statements
            # of its own, and a pooler may send DISCARD ALL
            _prepare(dbapi_connection, read, query, prepared)
            result = pgconn.exec_prepared(read.name, values)
    _check(dbapi_connection, result)
    if not result.ntuples:
        return None
    transformer.set_pgresult(result)
    try:
        return transformer.load_row(0, tuple)
    finally:
        transformer.set_pgresult(None)


def _prepare(dbapi_connection, read: Read, query: bytes, prepared: set) -> None:
    prepared.discard(read.name)
    _check(dbapi_connection, dbapi_connection.pgconn.prepare(read.name, query))
    prepared.add(read.name)


def _check(dbapi_connection, result) -> None:
    if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        error = psycopg.errors.error_from_result(result, encoding=dbapi_connection.pgconn._encoding)
        if dbapi_connection.pgconn.status == pq.ConnStatus.BAD and not isinstance(error, psycopg.OperationalError):
            raise psycopg.OperationalError(str(error)) from error  # the connection is gone: as a cursor says it
        raise error


def install(engine, ping_after: float | None) -> None:
    """Listeners on `engine`'s pool and connections. `ping_after`: seconds of idleness after which a
    checkout pings (None: never, as without pool_pre_ping)."""

    def connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.cursor_factory = Cursor
        setattr(dbapi_connection, _SPARE, [])
        connection_record.info[_HANDED_OUT] = time.monotonic()  # it has just answered

    def checkout(dbapi_connection, connection_record, connection_proxy) -> None:
        info = connection_record.info
        now = time.monotonic()
        # idle at least since it was last handed out (it may have answered later, until it came
        # back): measured from then, a connection is pinged as often as by its return or more —
        # and the pool needs no checkin listener, one event call fewer per page
        if ping_after is not None and now - info.get(_HANDED_OUT, 0.0) >= ping_after:
            ping(dbapi_connection)
        info[_HANDED_OUT] = now
        if not dbapi_connection.autocommit:  # idle: the pool rolled back whatever was open when it came back
            dbapi_connection.autocommit = True
        setattr(dbapi_connection, _LAZY, True)

    def set_connection_execution_options(connection, options) -> None:
        if "isolation_level" in options:  # SQLAlchemy sets autocommit itself: leave it alone
            setattr(connection.connection.driver_connection, _LAZY, False)

    event.listen(engine, "connect", connect)
    event.listen(engine, "checkout", checkout)
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

