"""backup create / restore round trip, on SQLite and (in the PostgreSQL pass) on PostgreSQL, with
the files in a local directory and in S3 (moto_server)."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts.models import Role, User
from app.config import TestConfig
from app.extensions import db
from app.files import get_store
from tests.conftest import worker_id
from tests.databases import fresh_database


@pytest.fixture(params=["local", "s3"])
def backup_app(request, tmp_path):
    url = fresh_database(tmp_path, f"backup_{worker_id(request)}")
    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE_DIR=str(tmp_path / "files"))
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        settings.update(server.settings(server.new_bucket()))
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        yield app, get_store()
        db.session.remove()
        db.engine.dispose()


def contents(store) -> dict[str, bytes]:
    result = {}
    for key, _ in store.keys():
        with store.open(key) as handle:
            result[key] = handle.read()
    return result


def users() -> list[str]:
    return sorted(db.session.scalars(select(User.email)))


def test_round_trip_restores_database_and_files(backup_app, tmp_path):
    app, store = backup_app
    db.session.add(User(email="lena@example.net", name="Lena", role=Role.LEARNER))
    db.session.commit()
    kept = store.save(io.BytesIO(b"Abgabe Version 1"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert f"files/{kept.key[:2]}/{kept.key}" in manifest["files"]

    db.session.add(User(email="spaeter@example.net", name="Später", role=Role.LEARNER))
    db.session.execute(User.__table__.delete().where(User.email == "lena@example.net"))
    db.session.commit()
    store.delete(kept.key)
    store.save(io.BytesIO(b"nach dem Backup"))

    result = runner.invoke(args=["backup", "restore", str(tmp_path / "backup"), "--yes"])
    assert result.exit_code == 0, result.output
    assert users() == ["lena@example.net"]
    assert contents(store) == {kept.key: b"Abgabe Version 1"}


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


def test_a_backup_of_the_local_directory_restores_into_s3(request, tmp_path, s3_server):
    """docs/deployment.md: "a backup of one restores into the other" — taken with the files in a
    directory, restored on an installation whose files are in a bucket."""
    url = fresh_database(tmp_path, f"backup_move_{worker_id(request)}")
    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE_DIR=str(tmp_path / "files"))
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        try:
            local = get_store()
            db.session.add(User(email="lena@example.net", name="Lena", role=Role.LEARNER))
            db.session.commit()
            kept = [local.save(io.BytesIO(f"Abgabe {n}".encode())) for n in range(3)]
            runner = app.test_cli_runner()
            result = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
            assert result.exit_code == 0, result.output

            app.config.update(s3_server.settings(s3_server.new_bucket()))  # the new installation: files in S3
            bucket = get_store()
            assert type(bucket).__name__ == "S3FileStore" and list(bucket.keys()) == []
            bucket.save(io.BytesIO(b"nicht im Backup"))  # the restore removes what the backup does not know
            db.session.execute(User.__table__.delete())
            db.session.commit()

            result = runner.invoke(args=["backup", "restore", str(tmp_path / "backup"), "--yes"])
            assert result.exit_code == 0, result.output
            assert users() == ["lena@example.net"]
            assert contents(bucket) == {stored.key: f"Abgabe {n}".encode() for n, stored in enumerate(kept)}
            assert all(bucket.checksum(stored.key) == stored.sha256 for stored in kept)
        finally:
            db.session.remove()
            db.engine.dispose()
