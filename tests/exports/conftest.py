"""A file store per test, exports sent through the job queue (the thresholds at 0), and helpers
to follow an export from its status page to its file."""
from __future__ import annotations

import re

import pytest

from tests.privacy.conftest import build_rich_learner  # noqa: F401
from tests.reporting.conftest import QueryCounter, built_world, world  # noqa: F401


@pytest.fixture(autouse=True)
def file_store(app, tmp_path, monkeypatch):
    folder = tmp_path / "files"
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(folder))
    return folder


@pytest.fixture()
def queued(app, monkeypatch):
    """Every export goes through the queue, however small."""
    for name in ("EXPORT_IMMEDIATE_ROWS", "EXPORT_IMMEDIATE_CERTIFICATES", "EXPORT_IMMEDIATE_FILES", "EXPORT_IMMEDIATE_SUBMISSION_FILES"):
        monkeypatch.setitem(app.config, name, 0)


def stored_files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "tmp" not in p.relative_to(folder).parts) if folder.exists() else []


def export_id_of(response) -> int:
    """The export a POST asked for. Closing the response is what a WSGI server does once it has
    sent it: the in-process job backend runs the build then (the test client leaves it open)."""
    assert response.status_code == 303, response.status_code
    response.close()
    match = re.search(r"/meine-downloads/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def fetch_ready_file(browser, export_id: int):
    """The status page offers the file (the job ran after the response that asked for it); the
    link downloads it."""
    page = browser.get(f"/meine-downloads/{export_id}").get_data(as_text=True)
    link = f'href="/meine-downloads/{export_id}/datei"'
    assert link in page, page
    response = browser.get(f"/meine-downloads/{export_id}/datei")
    assert response.status_code == 200, response.status_code
    assert "attachment" in response.headers["Content-Disposition"]
    return response
