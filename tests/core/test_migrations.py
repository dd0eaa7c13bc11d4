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
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
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
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
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
