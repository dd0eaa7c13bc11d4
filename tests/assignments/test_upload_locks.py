"""Storing a learner's uploads holds no database lock. Up to 10 files of up to 100 MB go to the
store before the request writes to the database, so other learners' writes do not wait for
them. On SQLite the request's reads run in a deferred transaction (app.db.read_before_writing)
until app.db.begin_writes; on PostgreSQL the draft's row is not locked while the files are
stored.

These tests run on a database of their own with the session on the engine's pool, as in
production: the usual test session holds one transaction (and on SQLite the write lock) for the
whole test."""
from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import select

from app import create_app
from app.config import TestConfig
from tests.assignments.conftest import URL, open_first_module, pdf_bytes, upload
from tests.conftest import TEST_COURSES, Browser, Factory, worker_id
from tests.databases import fresh_database


@pytest.fixture()
def own_app(request, tmp_path):
    from app.catalogue.models import Assignment, Module
    from app.catalogue.services import import_path
    from app.extensions import db

    url = fresh_database(tmp_path, f"upload_locks_{worker_id(request)}")
    settings = TestConfig.settings()
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url, "MAIL_DIR": str(tmp_path / "mail"),
                      "COURSES_DIR": str(TEST_COURSES), "FILE_STORAGE_DIR": str(tmp_path / "files")})
    with app.app_context():
        db.create_all()
        import_path(TEST_COURSES)
        assignment = db.session.scalar(select(Assignment).join(Module).where(Module.slug == "02-abschluss", Assignment.slug == "reflexion"))
        assignment.settings = {**assignment.settings, "submission": "both", "file_types": ["pdf"], "max_file_mb": 1}
        make = Factory(db)
        enrolment = make.enrolment(user=make.user("learner", email="lena@example.net"), cohort=make.cohort())
        open_first_module(db, enrolment)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class ProbingStore:
    """The app's file store; while it saves a file, another connection tries to take the lock a
    concurrent writer would need, without waiting."""

    def __init__(self, store, probe):
        self.store, self.probe, self.probes = store, probe, []

    def save(self, stream, max_bytes=None):
        self.probes.append(self.probe())
        return self.store.save(stream, max_bytes=max_bytes)

    def __getattr__(self, name):
        return getattr(self.store, name)


def _probe(app, submission_id: int):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        def probe() -> str:
            other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # what any write on SQLite needs
                other.execute("ROLLBACK")
                return "free"
            except sqlite3.OperationalError as error:
                return f"locked: {error}"
            finally:
                other.close()
    else:
        def probe() -> str:
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as other:
                try:
                    other.execute("SELECT id FROM submissions WHERE id = %s FOR UPDATE NOWAIT", (submission_id,))
                    return "free"
                except psycopg.errors.LockNotAvailable as error:
                    return f"locked: {error}"
                finally:
                    other.rollback()
    return probe


def test_no_lock_is_held_while_the_uploads_are_stored(own_app, monkeypatch):
    from app.assignments.models import Submission, SubmissionFile
    from app.extensions import db
    from app.files import get_store

    browser = Browser(own_app.test_client())
    browser.login("lena@example.net")
    assert upload(browser, "Erster Entwurf").status_code == 302  # the draft's row exists from here on
    with own_app.app_context():
        submission_id = db.session.scalar(select(Submission.id))
        store = ProbingStore(get_store(), _probe(own_app, submission_id))
    monkeypatch.setattr("app.assignments.routes.get_store", lambda: store)

    response = upload(browser, "Zweiter Entwurf", files=[("bericht.pdf", pdf_bytes()), ("anhang.pdf", pdf_bytes())])

    assert response.status_code == 302
    assert store.probes == ["free", "free"]
    with own_app.app_context():
        assert db.session.scalar(select(Submission.draft_text)) == "Zweiter Entwurf"
        rows = db.session.scalars(select(SubmissionFile).order_by(SubmissionFile.id)).all()
        assert [row.filename for row in rows] == ["bericht.pdf", "anhang.pdf"]
        assert all(get_store().exists(row.storage_key) for row in rows)


def test_files_stored_for_a_draft_handed_in_meanwhile_are_removed(own_app, monkeypatch):
    """Another tab hands the draft in while this request stores its files: no row, no file left."""
    from app.assignments import services
    from app.assignments.models import Submission, SubmissionFile
    from app.extensions import db
    from app.files import get_store

    browser = Browser(own_app.test_client())
    browser.login("lena@example.net")
    assert upload(browser, "Fertiger Text").status_code == 302
    with own_app.app_context():
        real = get_store()

    class HandedInMeanwhile(ProbingStore):
        def save(self, stream, max_bytes=None):
            stored = self.store.save(stream, max_bytes=max_bytes)
            self.probes.append(stored.key)
            with own_app.app_context():  # the other tab, in its own session
                services.hand_in(db.session.scalar(select(Submission)))
                db.session.commit()
                db.session.remove()
            return stored

    store = HandedInMeanwhile(real, None)
    monkeypatch.setattr("app.assignments.routes.get_store", lambda: store)
    response = upload(browser, "Noch eine Änderung", files=[("bericht.pdf", pdf_bytes())])

    assert response.status_code == 302
    assert "bereits abgegeben" in browser.get(URL).get_data(as_text=True)
    (key,) = store.probes
    assert not real.exists(key)
    with own_app.app_context():
        assert db.session.scalar(select(SubmissionFile)) is None
        assert db.session.scalar(select(Submission.draft_text)) != "Noch eine Änderung"  # nothing of this request was written
