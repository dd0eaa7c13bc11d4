"""The pool's connections outside the tests' one-transaction session: each checkout is checked (on
PostgreSQL with a libpq ping instead of SQLAlchemy's pre-ping, `app.db.init_database`), a
connection the server dropped is replaced without the request noticing, and the login check's
read (`app.db.read_row`, in autocommit on psycopg) gives its connection back as it found it."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from tests.conftest import worker_id
from tests.databases import fresh_database

PASSWORD = "ein-sicheres-passwort"


@pytest.fixture()
def own_app(request, tmp_path):
    """An app on a database of its own, the session bound to the engine's pool as in production."""
    url = fresh_database(tmp_path, f"connections_{worker_id(request)}")
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "MAIL_DIR": str(tmp_path / "mail")})
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


def test_a_signed_in_page_and_a_write_after_the_login_check(own_app):
    """The login check reads on a pooled connection of its own; the page's write then commits in
    the request's transaction, and every connection goes back idle, out of autocommit."""
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
                connection = record.dbapi_connection
                assert connection.autocommit is False
                assert connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


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


def test_the_ping_replaces_a_dead_connection_at_checkout(own_app):
    """The check itself: a connection whose server process is gone is not handed out."""
    from app.extensions import db

    with own_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's ping")
        with db.engine.connect() as connection:
            old = connection.connection.driver_connection.info.backend_pid
        with outside_the_pool(own_app) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (old,))
        with db.engine.connect() as connection:
            assert connection.connection.driver_connection.info.backend_pid != old
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
