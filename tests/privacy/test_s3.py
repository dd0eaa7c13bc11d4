"""Data export and account deletion with the files in S3 (moto_server): every file in the ZIP,
every object gone after the deletion — and an unreachable store fails the export with a message
instead of marking files "missing"."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from app.files import get_store
from tests.conftest import free_port


@pytest.fixture()
def s3_store(app, s3_server, monkeypatch):
    for name, value in s3_server.settings(s3_server.new_bucket()).items():
        monkeypatch.setitem(app.config, name, value)


def test_export_and_deletion_read_and_remove_the_files_in_s3(app, s3_store, rich, browser, db):
    browser.login(rich.user)
    browser.get("/meine-daten")
    response = browser.post("/meine-daten/export")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("daten.json"))
    entries = [f for s in data["submissions"] for v in s["versions"] for f in v["files"]]
    assert entries and not any(entry.get("missing") for entry in entries)
    for entry in entries:
        assert hashlib.sha256(archive.read(entry["path_in_zip"])).hexdigest() == entry["sha256"]

    assert list(get_store().keys())
    result = app.test_cli_runner().invoke(args=["privacy", "delete-account", rich.user.email, "--yes"])
    assert result.exit_code == 0, result.output
    assert list(get_store().keys()) == []


def test_export_while_the_store_is_down_says_so(app, s3_store, rich, browser, monkeypatch):
    browser.login(rich.user)
    browser.get("/meine-daten")
    monkeypatch.setitem(app.config, "FILE_STORAGE_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    response = browser.post("/meine-daten/export")
    assert response.status_code == 302
    page = browser.get("/meine-daten").get_data(as_text=True)
    assert "weil der Dateispeicher nicht erreichbar ist" in page
