"""The trainer's ZIP of a cohort's hand-ins: up to EXPORT_IMMEDIATE_SUBMISSION_FILES uploaded
files it is built in the request; a larger one is a prepared download (app/exports) — "Datei
erstellen", "Die Datei wird erstellt …", then the file — for the cohort's trainers only."""
from __future__ import annotations

import io
import zipfile

import pytest

from app.exports.models import Export, ExportStatus
from tests.assignments.conftest import browser_for, pdf_bytes
from tests.assignments.test_grading import hand_in
from tests.exports.conftest import export_id_of, fetch_ready_file


@pytest.fixture()
def handed_in(app, learner):
    hand_in(app, learner, "Text von Lena", files=[("bericht.pdf", pdf_bytes()), ("anhang.pdf", pdf_bytes() + b"2")])
    return learner


def zip_url(cohort, assignment) -> str:
    return f"/bewertung/kohorten/{cohort.id}/aufgaben/{assignment.id}/abgaben.zip"


def test_up_to_the_threshold_the_zip_is_sent_at_once(app, handed_in, cohort, trainer, assignment, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_IMMEDIATE_SUBMISSION_FILES", 2)
    response = browser_for(app, trainer).get(zip_url(cohort, assignment))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "private, no-store"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(n.rsplit("/", 1)[-1] for n in names) == ["anhang.pdf", "bericht.pdf", "text.md", "uebersicht.csv"]


def test_above_the_threshold_the_zip_is_prepared_and_read_back(app, db, handed_in, cohort, trainer, assignment, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_IMMEDIATE_SUBMISSION_FILES", 1)
    browser = browser_for(app, trainer)
    confirm = browser.get(zip_url(cohort, assignment))
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and confirm.mimetype == "text/html"
    assert "Die Datei enthält etwa 2 Dateien." in page and "Datei erstellen" in page
    asked = browser.post(zip_url(cohort, assignment))
    waiting = browser.get(asked.headers["Location"]).get_data(as_text=True)  # the job runs once the POST's response is closed
    assert "Die Datei wird erstellt …" in waiting and "Abgaben zur Aufgabe" in waiting
    export_id = export_id_of(asked)
    export = db.session.get(Export, export_id)
    assert export.status == ExportStatus.READY and (export.done, export.total, export.unit) == (2, 2, "files")
    assert export.params == {"cohort_id": cohort.id, "assignment_id": assignment.id}
    response = fetch_ready_file(browser, export_id)
    assert f"abgaben-{cohort.id}-02-abschluss-reflexion.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    lena = f"Lena Lernende ({handed_in.id})/version-1"
    assert sorted(archive.namelist()) == sorted([f"{lena}/text.md", f"{lena}/bericht.pdf", f"{lena}/anhang.pdf", "uebersicht.csv"])
    assert archive.read(f"{lena}/bericht.pdf") == pdf_bytes() and archive.read(f"{lena}/anhang.pdf") == pdf_bytes() + b"2"
    assert archive.read(f"{lena}/text.md").decode() == "Text von Lena"


def test_another_trainer_can_neither_ask_for_nor_fetch_the_prepared_zip(app, db, make, handed_in, cohort, trainer, assignment,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_IMMEDIATE_SUBMISSION_FILES", 0)  # 0: always prepared
    browser = browser_for(app, trainer)
    export_id = export_id_of(browser.post(zip_url(cohort, assignment)))
    stranger = make.user("trainer")
    make.cohort(trainers=[stranger])
    db.session.commit()
    other = browser_for(app, stranger)
    assert other.get(zip_url(cohort, assignment)).status_code == 404
    assert other.post(zip_url(cohort, assignment)).status_code == 404
    assert other.get(f"/meine-downloads/{export_id}").status_code == 404
    assert other.get(f"/meine-downloads/{export_id}/datei").status_code == 404
    assert browser_for(app, handed_in.user).get(f"/meine-downloads/{export_id}/datei").status_code == 404
    assert browser.get(f"/meine-downloads/{export_id}/datei").status_code == 200
    cohort.trainers.remove(trainer)  # no longer grades the cohort: no longer gets its hand-ins
    db.session.commit()
    assert browser.get(f"/meine-downloads/{export_id}/datei").status_code == 403


def test_the_queue_links_the_zip_without_download_so_the_browser_follows_it(app, handed_in, cohort, trainer, assignment, monkeypatch):
    """Above the threshold the link answers the confirmation page; a `download` attribute would make
    the browser save that page as abgaben.zip instead of showing "Datei erstellen"."""
    monkeypatch.setitem(app.config, "EXPORT_IMMEDIATE_SUBMISSION_FILES", 1)
    page = browser_for(app, trainer).get(f"/bewertung?cohort={cohort.id}").get_data(as_text=True)
    link = next(tag for tag in page.split("<a ")[1:] if zip_url(cohort, assignment) in tag.split(">", 1)[0])
    assert " download" not in link.split(">", 1)[0]
