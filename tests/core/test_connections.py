"""The pool's connections outside the tests' one-transaction session. On PostgreSQL (app.postgres):
reads run in autocommit and the first write begins the transaction; a connection is pinged (libpq,
not SQLAlchemy's pre-ping) once it has been idle; a connection the server dropped is replaced
without a signed-in page noticing; result descriptions are built on demand."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from tests.conftest import worker_id
from tests.databases import fresh_database

PASSWORD = "ein-sicheres-passwort"


IDLE = 0.2  # DATABASE_PING_AFTER_IDLE_SECONDS in these tests (0.5 s by default)


@pytest.fixture()
def own_app(request, tmp_path):
    """An app on a database of its own, the session bound to the engine's pool as in production."""
    url = fresh_database(tmp_path, f"connections_{worker_id(request)}")
    settings = TestConfig.settings()
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "MAIL_DIR": str(tmp_path / "mail"),
                      "DATABASE_PING_AFTER_IDLE_SECONDS": IDLE, **getattr(request, "param", {})})
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.extensions import db

    with app.app_context():
        db.create_all()
        create_user("lea@example.net", "Lea Lernend", Role.LEARNER, PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def signed_in(app):
    client = app.test_client()
    response = client.post("/anmelden", data={"email": "lea@example.net", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def pooled_backends(app) -> list[int]:
    """The server process ids of the connections the pool holds (PostgreSQL)."""
    from app.extensions import db

    with app.app_context():
        pool = db.engine.pool
        return [record.dbapi_connection.info.backend_pid for record in list(pool._pool.queue) if record.dbapi_connection is not None]


def outside_the_pool(app) -> psycopg.Connection:
    """A connection of its own to the app's PostgreSQL database (the pool would hand back one of
    the connections about to be ended)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True)


def postgres_only(app) -> None:
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's connection policy (app.postgres)")


def test_a_signed_in_page_and_a_write_after_the_login_check(own_app):
    """The login check reads on a pooled connection of its own; the page's write then commits in
    the request's transaction, and every connection goes back idle."""
    client = signed_in(own_app)
    assert client.get("/impressum").status_code == 200
    response = client.post("/profil", data={"name": "Lea Neu", "municipality": "", "district_ags": "", "position": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    from app.accounts.models import User
    from app.extensions import db

    with own_app.app_context():
        assert db.session.scalar(db.select(User.name).where(User.email == "lea@example.net")) == "Lea Neu"
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            for record in list(db.engine.pool._pool.queue):
                assert record.dbapi_connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def given_back(app) -> list[bool]:
    """Whether each connection came back to the pool in autocommit (no transaction was begun on
    it), in the order they came back, while the returned list is being filled."""
    from sqlalchemy import event

    from app.extensions import db

    seen: list[bool] = []
    with app.app_context():
        event.listen(db.engine, "checkin", lambda dbapi_connection, record: seen.append(dbapi_connection.autocommit))
    return seen


def test_page_views_read_outside_a_transaction_and_writes_begin_one(own_app):
    """A page view that only reads never begins a transaction (no BEGIN, no ROLLBACK: two round
    trips); a request that writes does, and its writes commit together."""
    postgres_only(own_app)
    client = signed_in(own_app)
    seen = given_back(own_app)
    assert client.get("/lernstand").status_code == 200
    assert seen and all(seen)  # the login check's connection and the page's
    seen.clear()
    response = client.post("/profil", data={"name": "Lea Neu", "municipality": "", "district_ags": "", "position": ""})
    assert response.status_code == 302
    assert False in seen  # the page's connection had begun a transaction for the write


def test_the_first_write_begins_the_transaction_and_a_rollback_undoes_it(own_app):
    postgres_only(own_app)
    from app.accounts.models import User
    from app.extensions import db

    with own_app.app_context():
        with db.engine.connect() as connection:
            status = connection.connection.driver_connection.info
            assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
            assert status.transaction_status == psycopg.pq.TransactionStatus.IDLE  # the read: no transaction
            connection.execute(User.__table__.update().values(name="Erster"))
            assert status.transaction_status == psycopg.pq.TransactionStatus.INTRANS
            connection.execute(User.__table__.update().values(name="Zweiter"))
            connection.rollback()
            connection.execute(db.select(User.name).with_for_update())  # a locking read begins one too
            assert status.transaction_status == psycopg.pq.TransactionStatus.INTRANS
            connection.rollback()
        with db.engine.connect() as connection:
            assert connection.execute(db.select(User.name)).scalar_one() == "Lea Lernend"
        # SQLAlchemy's own autocommit (VACUUM refuses to run in a transaction) is left alone
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM users"))


def test_descriptions_are_psycopgs_own(own_app):
    """The pool's cursors build `description` on demand, with the columns psycopg would give."""
    postgres_only(own_app)
    from app.extensions import db

    query = "SELECT id, email, created_at, 1.5::numeric(4, 2) AS n FROM users"
    with own_app.app_context():
        with db.engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            cursor.execute(query)
            lazy = cursor.description
            cursor.execute("SELECT 1 AS other")  # the cursor moves on; the description stays that of its result
            with outside_the_pool(own_app) as plain:
                expected = plain.execute(query).description
            assert len(lazy) == 4
            assert [tuple(column) for column in lazy] == [tuple(column) for column in expected]
            assert [column.type_display for column in lazy] == [column.type_display for column in expected]
            assert lazy[-1].name == "n" and lazy[1:2][0].name == "email"
            cursor.execute("UPDATE users SET name = name WHERE false")
            assert cursor.description is None


def test_connections_the_server_dropped_are_replaced_unnoticed(own_app):
    """PostgreSQL ends every pooled connection (a restart, a failover): the next signed-in pages —
    the login check's read and the page's own queries — get new connections, no error."""
    from app.extensions import db

    with own_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a SQLite file has no server to drop the connection")
    client = signed_in(own_app)
    assert client.get("/lernstand").status_code == 200
    before = pooled_backends(own_app)
    assert before
    with outside_the_pool(own_app) as killer:
        ended = killer.execute("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t").fetchone()[0]
    assert ended >= len(before)
    for path in ("/impressum", "/lernstand", "/lernstand"):
        assert client.get(path).status_code == 200
    assert not set(pooled_backends(own_app)) & set(before)


def test_the_ping_replaces_a_dead_connection_after_idleness(own_app):
    """A connection idle for DATABASE_PING_AFTER_IDLE_SECONDS is pinged at checkout, and a dead one
    is not handed out; within that time it is handed out unchecked (no round trip), and the
    statement that meets a dead one fails — after which the pool holds none of the old ones."""
    postgres_only(own_app)
    import time

    from app.extensions import db

    def kill(pid: int) -> None:
        with outside_the_pool(own_app) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with own_app.app_context():
        with db.engine.connect() as connection:
            old = connection.connection.driver_connection.info.backend_pid
        kill(old)
        time.sleep(IDLE * 1.5)
        with db.engine.connect() as connection:
            assert connection.connection.driver_connection.info.backend_pid != old
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
            old = connection.connection.driver_connection.info.backend_pid
        kill(old)
        with pytest.raises(Exception) as raised:  # handed out unchecked, so soon after it answered
            with db.engine.connect() as connection:
                assert connection.connection.driver_connection.info.backend_pid == old
                connection.execute(text("SELECT 1"))
        assert "terminat" in str(raised.value) or "closed" in str(raised.value)
        with db.engine.connect() as connection:
            assert connection.connection.driver_connection.info.backend_pid != old
            assert connection.execute(text("SELECT 1")).scalar_one() == 1


@pytest.mark.parametrize("own_app", [{"DATABASE_PREPARED_STATEMENTS": False}], indirect=True)
def test_prepared_statements_can_be_switched_off_for_a_pooler(own_app):
    """DATABASE_PREPARED_STATEMENTS=0 (a connection pooler that cannot pass them through): psycopg
    never prepares, however often a statement runs."""
    postgres_only(own_app)
    from app.extensions import db

    client = signed_in(own_app)
    for _ in range(3):  # the login check's read too
        assert client.get("/profil").status_code == 200
    with own_app.app_context():
        with db.engine.connect() as connection:
            assert connection.connection.driver_connection.prepare_threshold is None
            for _ in range(8):
                connection.execute(text("SELECT 1"))
            assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one() == 0


def test_statements_are_prepared_by_default(own_app):
    postgres_only(own_app)
    from app.extensions import db

    with own_app.app_context():
        with db.engine.connect() as connection:
            for _ in range(8):
                connection.execute(text("SELECT 1"))
            assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one() >= 1


def test_closed_cursors_hand_their_adapters_on_within_a_connection(own_app):
    """A cursor of the pool takes over the Transformer (psycopg's dumpers and loaders) of a closed
    cursor of the same connection; the values stay those plain psycopg gives, a cursor still open
    keeps its own, and COPY's Transformer (row dumpers of its own) is never handed on."""
    postgres_only(own_app)
    from app import postgres
    from app.extensions import db

    queries = [("SELECT %s::int AS n, %s::text AS t, now() AS at, true AS b, NULL::numeric AS x", (7, "ä")),
               ("SELECT 1.5::numeric(4, 2) AS n, '2026-12-07'::date AS d, %s::bigint AS big", (2**40,)),
               ("SELECT id, email, created_at, active FROM users WHERE email = %s", ("lea@example.net",))]
    with own_app.app_context(), db.engine.connect() as sa_connection, outside_the_pool(own_app) as plain:
        connection = sa_connection.connection.driver_connection
        first = connection.cursor()
        first.execute(*queries[0])
        transformer = first._tx
        first.close()
        assert getattr(connection, postgres._SPARE) == [transformer]
        for query, params in queries * 2:
            cursor = connection.cursor()
            cursor.execute(query, params)
            assert cursor._tx is transformer
            got, expected = cursor.fetchall(), plain.execute(query, params).fetchall()
            assert [tuple(map(type, row)) for row in got] == [tuple(map(type, row)) for row in expected]
            if "now()" not in query:
                assert got == expected
            cursor.close()
        one, other = connection.cursor(), connection.cursor()
        one.execute(*queries[0])
        other.execute(*queries[1])  # while `one` is open: a Transformer of its own
        assert one._tx is transformer and other._tx is not transformer
        assert one.fetchone()[1] == "ä" and other.fetchone()[2] == 2**40
        one.close(), other.close()
        assert len(getattr(connection, postgres._SPARE)) == 2
        copying = connection.cursor()
        with copying.copy("COPY (SELECT 1) TO STDOUT") as copy:
            assert list(copy.rows()) == [("1",)]
        copy_transformer = copying._tx
        copying.close()
        assert copy_transformer not in getattr(connection, postgres._SPARE)
        sa_connection.rollback()


def test_the_login_check_reads_straight_through_libpq(own_app):
    """On PostgreSQL the login check's read runs as a statement prepared under a name of its own,
    straight through libpq, and gives the values the ORM's path gives (types included)."""
    postgres_only(own_app)
    from datetime import timedelta

    from app import clock
    from app.accounts.models import Role, User
    from app.accounts.services import _SESSION_USER, _token_hash, start_session
    from app.db import read_row
    from app.extensions import db

    with own_app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "lea@example.net"))
        key = start_session(user)
        db.session.commit()
        params = {"key_hash": _token_hash(key), "user_id": user.id, "not_before": clock.now() - timedelta(days=1)}
        db.session.remove()
        checked_in = given_back_connections(own_app)
        row = read_row(_SESSION_USER, params)
        with db.engine.connect() as connection:
            expected = dict(connection.execute(_SESSION_USER, params).mappings().one())
        assert row == expected and {k: type(v) for k, v in row.items()} == {k: type(v) for k, v in expected.items()}
        assert row["role"] is Role.LEARNER and row["locale"] is None and row["created_at"].utcoffset() == timedelta(0)
        assert read_row(_SESSION_USER, {**params, "key_hash": _token_hash("another key")}) is None
        assert checked_in[0].execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE '\\_scc\\_read\\_%'").fetchone()[0] == 1
        db.session.remove()


def given_back_connections(app) -> list[psycopg.Connection]:
    """The psycopg connections as they come back to the pool, latest first."""
    from sqlalchemy import event

    from app.extensions import db

    seen: list[psycopg.Connection] = []
    event.listen(db.engine, "checkin", lambda dbapi_connection, record: seen.insert(0, dbapi_connection))
    return seen


def test_the_login_check_prepares_its_read_again_after_deallocate_all(own_app):
    """psycopg sends DEALLOCATE ALL after a ROLLBACK once it has prepared statements of its own (and
    a pooler may send DISCARD ALL): the login check's statement is gone with them, and the next
    signed-in page prepares it again."""
    postgres_only(own_app)
    from app.extensions import db

    client = signed_in(own_app)
    assert client.get("/impressum").status_code == 200
    [backend] = pooled_backends(own_app)  # one connection: the login check's and the page's in turn
    prepared = "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE '\\_scc\\_read\\_%'"
    with own_app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(text(prepared)).scalar_one() == 1
            for _ in range(6):  # psycopg prepares it at the fifth use
                connection.execute(text("SELECT count(*) FROM users"))
            connection.execute(text("UPDATE users SET name = name"))  # begins the transaction
            connection.rollback()  # and psycopg sends DEALLOCATE ALL
            assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one() == 0
    for _ in range(2):
        assert client.get("/profil").status_code == 200  # signed in, not sent to the login page
    assert pooled_backends(own_app) == [backend]
    with own_app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text(prepared)).scalar_one() == 1


@pytest.mark.parametrize("own_app", [{"DATABASE_PING_AFTER_IDLE_SECONDS": 3600.0}], indirect=True)
def test_the_login_check_retries_once_on_a_connection_the_server_ended(own_app):
    """No ping (the connection answered within the idle time): the login check's libpq read meets
    the connection the server ended, the connection is replaced, and the read runs again on a
    new one — the signed-in page answers, signed in."""
    postgres_only(own_app)
    from sqlalchemy import event

    from app.extensions import db

    client = signed_in(own_app)
    assert client.get("/impressum").status_code == 200
    before = pooled_backends(own_app)
    invalidated = []
    with own_app.app_context():
        event.listen(db.engine.pool, "invalidate", lambda dbapi_connection, record, error: invalidated.append(error))
    with outside_the_pool(own_app) as killer:
        for pid in before:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
    response = client.get("/profil")
    assert response.status_code == 200, response.status_code  # signed in: no redirect to the login page
    assert invalidated and isinstance(invalidated[0], psycopg.OperationalError)
    assert not set(pooled_backends(own_app)) & set(before)


def test_reads_number_their_parameters_as_libpq_wants():
    from app.postgres import Read

    read = Read("SELECT %(a)s::INTEGER, %(b)s, %(a)s::INTEGER, 'x%%' FROM t WHERE c LIKE 'y%%'")
    assert read.sql == "SELECT $1::INTEGER, $2, $1::INTEGER, 'x%' FROM t WHERE c LIKE 'y%'"
    assert read.order == ("a", "b") and read.query("utf-8") == read.sql.encode()


def test_the_login_checks_parameters_and_row_are_converted_as_sqlalchemy_does(own_app):
    """read_row's parameters taken straight from the caller's dict give what construct_params
    gives (bind conversions included), and a missing one is SQLAlchemy's error."""
    from datetime import timedelta

    from sqlalchemy import exc as sa_exc

    from app import clock
    from app.accounts.services import _SESSION_USER
    from app.db import _DriverStatement
    from app.extensions import db

    with own_app.app_context():
        driver = _DriverStatement(_SESSION_USER, db.engine.dialect)
        general = _DriverStatement(_SESSION_USER, db.engine.dialect)
        general.given = None
        params = {"key_hash": "x" * 64, "user_id": 3, "not_before": clock.now() - timedelta(days=1)}
        assert driver.given is not None and driver.parameters(params) == general.parameters(params)
        with pytest.raises(sa_exc.InvalidRequestError, match="user_id"):
            driver.parameters({"key_hash": "x", "not_before": clock.now()})


def test_sqlite_hands_out_its_connections_without_a_ping(own_app):
    """SQLite has no server that could drop a connection: no `SELECT 1` at each checkout."""
    from app.extensions import db

    with own_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's pool")
        sent: list[str] = []
        first = db.engine.raw_connection()
        driver = first.driver_connection
        driver.set_trace_callback(sent.append)
        first.close()
        for _ in range(2):
            again = db.engine.raw_connection()
            assert again.driver_connection is driver  # the same one, back from the pool
            again.close()
        driver.set_trace_callback(None)
    assert not [statement for statement in sent if statement.lstrip().upper().startswith("SELECT")], sent
    assert own_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
