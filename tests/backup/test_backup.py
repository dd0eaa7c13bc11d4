"""backup create / restore round trip, on SQLite and (in the PostgreSQL pass) on PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts.models import Role, User
from app.config import TestConfig
from app.extensions import db
from tests.conftest import worker_id
from tests.databases import fresh_database


@pytest.fixture()
def backup_app(request, tmp_path):
    url = fresh_database(tmp_path, f"backup_{worker_id(request)}")
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    store = tmp_path / "files"
    store.mkdir()
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url, "FILE_STORAGE_DIR": str(store)})
    with app.app_context():
        db.create_all()
        yield app, store
        db.session.remove()
        db.engine.dispose()


def users() -> list[str]:
    return sorted(db.session.scalars(select(User.email)))


def test_round_trip_restores_database_and_files(backup_app, tmp_path):
    app, store = backup_app
    db.session.add(User(email="lena@example.net", name="Lena", role=Role.LEARNER))
    db.session.commit()
    (store / "ab").mkdir()
    (store / "ab" / "abc123").write_bytes(b"Abgabe Version 1")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert "files/ab/abc123" in manifest["files"]

    db.session.add(User(email="spaeter@example.net", name="Später", role=Role.LEARNER))
    db.session.execute(User.__table__.delete().where(User.email == "lena@example.net"))
    db.session.commit()
    (store / "ab" / "abc123").unlink()
    (store / "neu").write_bytes(b"nach dem Backup")

    result = runner.invoke(args=["backup", "restore", str(tmp_path / "backup"), "--yes"])
    assert result.exit_code == 0, result.output
    assert users() == ["lena@example.net"]
    assert (store / "ab" / "abc123").read_bytes() == b"Abgabe Version 1"
    assert not (store / "neu").exists()


def test_damaged_backup_is_refused_before_anything_changes(backup_app, tmp_path):
    app, store = backup_app
    db.session.add(User(email="lena@example.net", name="Lena", role=Role.LEARNER))
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "create", str(tmp_path / "backup")]).exit_code == 0
    database_file = next(p for p in (tmp_path / "backup").iterdir() if p.name.startswith("database"))
    database_file.write_bytes(database_file.read_bytes()[:-10] + b"0123456789")
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "backup"), "--yes"])
    assert result.exit_code != 0 and "checksum differs" in result.output
    assert users() == ["lena@example.net"]


def test_backup_refuses_a_non_empty_folder(backup_app, tmp_path):
    app, _ = backup_app
    (tmp_path / "voll").mkdir()
    (tmp_path / "voll" / "x").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "voll")])
    assert result.exit_code != 0 and "is not empty" in result.output
