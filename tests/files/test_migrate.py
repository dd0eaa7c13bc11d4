"""`flask --app wsgi files migrate --to s3://…`: the local store copied to S3, every object
verified, safe to run again; an unreachable target is refused before anything is copied."""
from __future__ import annotations

import io

import pytest

from app.files.local import LocalFileStore
from app.files.backends import open_store


@pytest.fixture()
def local_app(app, tmp_path, monkeypatch, s3_server):
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(tmp_path / "files"))
    monkeypatch.setitem(app.config, "FILE_STORAGE_URL", None)
    for name, value in s3_server.settings("unused").items():
        if name != "FILE_STORAGE_URL":  # endpoint and credentials for the target
            monkeypatch.setitem(app.config, name, value)
    return app


def test_migrate_copies_and_verifies_every_file_and_can_run_again(local_app, tmp_path, s3_server):
    local = LocalFileStore(tmp_path / "files")
    files = {local.save(io.BytesIO(content)).key: content
             for content in (b"Bericht", "Plan für den Marktplatz".encode(), b"\x00\x01" * (5 * 1024 * 1024))}
    (tmp_path / "files" / "tmp").mkdir(exist_ok=True)
    (tmp_path / "files" / "tmp" / ("d" * 32 + ".part")).write_bytes(b"half")  # never copied
    bucket = s3_server.new_bucket()
    url = f"s3://{bucket}/campus"

    result = local_app.test_cli_runner().invoke(args=["files", "migrate", "--to", url])
    assert result.exit_code == 0, result.output
    assert "3 copied and verified, 0 already there, 0 failed" in result.output
    target = open_store(url, local_app.config)
    assert sorted(key for key, _ in target.keys()) == sorted(files)
    for key, content in files.items():
        with target.open(key) as handle:
            assert handle.read() == content

    again = local_app.test_cli_runner().invoke(args=["files", "migrate", "--to", url])
    assert again.exit_code == 0 and "0 copied and verified, 3 already there" in again.output


def test_migrate_refuses_a_missing_bucket(local_app, tmp_path):
    LocalFileStore(tmp_path / "files").save(io.BytesIO(b"Bericht"))
    result = local_app.test_cli_runner().invoke(args=["files", "migrate", "--to", "s3://gibt-es-nicht/campus"])
    assert result.exit_code != 0 and "cannot be reached" in result.output


def test_migrate_refuses_an_unknown_scheme(local_app):
    result = local_app.test_cli_runner().invoke(args=["files", "migrate", "--to", "ftp://host/x"])
    assert result.exit_code != 0 and "s3://" in result.output
