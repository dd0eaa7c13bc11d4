"""`flask db upgrade` builds the schema from zero, and the migrations match the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import worker_id
from tests.databases import fresh_database


def test_upgrade_from_empty_database_matches_models(request, tmp_path):
    url = fresh_database(tmp_path, f"migrations_{worker_id(request)}")
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == [], f"models and migrations disagree: {differences}"
