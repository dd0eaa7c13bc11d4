"""`flask db upgrade` builds the schema from zero, and the migrations match the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.config import TestConfig
from app.extensions import bind_migrations, db
from tests.conftest import worker_id
from tests.databases import fresh_database


def test_upgrade_from_empty_database_matches_models(request, tmp_path):
    url = fresh_database(tmp_path, f"migrations_{worker_id(request)}")
    settings = TestConfig.settings()
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    bind_migrations(app)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == [], f"models and migrations disagree: {differences}"


def test_upgrade_keeps_existing_rows(request, tmp_path):
    """Upgrading a database that already holds data (SQLite rebuilds tables in batch mode)."""
    from sqlalchemy import text

    url = fresh_database(tmp_path, f"migrations_data_{worker_id(request)}")
    settings = TestConfig.settings()
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    bind_migrations(app)
    with app.app_context():
        upgrade(revision="bd401bf2b581")  # the first revision
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, name, role, active, session_nonce, created_at) "
                "VALUES (1, 'lena@example.net', 'Lena', 'learner', :yes, 'n', CURRENT_TIMESTAMP)"), {"yes": True})
            connection.execute(text(
                "INSERT INTO courses (id, slug, title, version, language, hours, summary, certificate, completion, content_hash, imported_at) "
                "VALUES (1, 'k', 'K', '1', 'de', 1, '', '{}', '{}', 'h', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO cohorts (id, course_id, name, land, seats, starts_on, created_at) VALUES (1, 1, 'K1', '12', 20, '2027-01-11', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO enrolments (id, user_id, cohort_id, status, enrolled_at, items_done, items_total) VALUES (1, 1, 1, 'active', CURRENT_TIMESTAMP, 0, 0)"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT email FROM users")).scalar() == "lena@example.net"
            assert connection.execute(text("SELECT count(*) FROM enrolments")).scalar() == 1
        db.engine.dispose()


def test_a_migrated_postgresql_database_notifies_the_login_cache_as_a_created_one_does(request, tmp_path):
    """The login cache's triggers (accounts.models.LOGIN_TRIGGERS) come with `flask db upgrade`
    as with create_all, and the downgrade takes them away."""
    import pytest
    from flask_migrate import downgrade
    from sqlalchemy import text

    url = fresh_database(tmp_path, f"migrations_triggers_{worker_id(request)}")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL's triggers (SQLite keeps no login cache)")
    settings = TestConfig.settings()
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    bind_migrations(app)
    triggers = text("SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1")
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            migrated = connection.execute(triggers).scalars().all()
            connection.execute(text("LISTEN scc_login"))
            connection.commit()
            connection.execute(text(
                "INSERT INTO users (id, email, name, role, active, created_at) "
                "VALUES (7, 'lena@example.net', 'Lena', 'learner', true, CURRENT_TIMESTAMP)"))
            connection.execute(text("UPDATE users SET name = 'Lena L.' WHERE id = 7"))
            connection.commit()
            heard = [n.payload for n in connection.connection.driver_connection.notifies(timeout=2, stop_after=1)]
        downgrade(revision="8d4f2a6c1b70")
        with db.engine.connect() as connection:
            after_downgrade = connection.execute(triggers).scalars().all()
        db.engine.dispose()
    created = fresh_database(tmp_path, f"migrations_created_{worker_id(request)}")
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": created})
    with app.app_context():
        db.create_all()
        with db.engine.connect() as connection:
            from_models = connection.execute(triggers).scalars().all()
        db.engine.dispose()
    assert migrated == from_models == ["login_sessions.login_sessions_changed", "login_sessions.login_sessions_truncated",
                                       "users.users_login_changed", "users.users_login_truncated"]
    assert heard == ["7"]
    assert after_downgrade == []
