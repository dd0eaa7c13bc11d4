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
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
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
