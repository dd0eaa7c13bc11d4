"""The upload/download journey with the files in S3 (moto_server on 127.0.0.1): stored whole and
recorded, streamed back or handed out as a presigned URL after the access check — and when the
object store fails, a clear German message, no row, and the draft text kept."""
from __future__ import annotations

import hashlib
import urllib.request

import pytest
from sqlalchemy import select

from app.assignments.models import Submission, SubmissionFile
from app.files import get_store, s3
from tests.assignments.conftest import browser_for, pdf_bytes, stored_files, upload
from tests.conftest import free_port
from tests.s3server import MotoServer

MB = 1024 * 1024
BIG_PDF = pdf_bytes() + b"%" + b"x" * (900 * 1024) + b"\n%%EOF\n"


def pdf_of(size: int) -> bytes:
    return (pdf_bytes() + b"%" + b"x" * size)[:size]


@pytest.fixture()
def s3_store(app, s3_server, monkeypatch):
    settings = s3_server.settings(s3_server.new_bucket())
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    return settings


@pytest.fixture()
def logged_in(browser, learner):
    browser.login(learner.user)
    return browser


def test_an_upload_lands_in_s3_and_is_streamed_back(app, logged_in, learner, db, s3_store, file_store):
    response = upload(logged_in, "Mit Anhang", files=[("Bericht März.pdf", BIG_PDF)])
    assert response.status_code == 302
    row = db.session.scalar(select(SubmissionFile))
    assert row.sha256 == hashlib.sha256(BIG_PDF).hexdigest() and row.size == len(BIG_PDF)
    with app.app_context():
        store = get_store()
        assert store.checksum(row.storage_key) == row.sha256
    assert stored_files(file_store) == []  # nothing written to the local directory

    download = logged_in.get(f"/abgaben/dateien/{row.id}")
    assert download.status_code == 200 and download.is_streamed
    assert download.headers["Content-Length"] == str(len(BIG_PDF))
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Bericht%20M%C3%A4rz.pdf" in download.headers["Content-Disposition"]
    assert download.get_data() == BIG_PDF
    assert logged_in.get(f"/abgaben/dateien/{row.id}", headers={"If-None-Match": f'"{row.sha256}"'}).status_code == 304


def test_a_presigned_redirect_is_given_only_after_the_access_check(app, logged_in, learner, db, make, cohort, s3_store, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_DOWNLOAD_REDIRECT", "presigned")
    upload(logged_in, "", files=[("bericht.pdf", pdf_bytes())])
    row = db.session.scalar(select(SubmissionFile))
    response = logged_in.get(f"/abgaben/dateien/{row.id}")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "private, no-store"
    location = response.headers["Location"]
    assert location.startswith(s3_store["FILE_STORAGE_S3_ENDPOINT"]) and "X-Amz-Expires=60" in location
    with urllib.request.urlopen(location, timeout=10) as fetched:
        assert fetched.read() == pdf_bytes()
        assert fetched.headers["Content-Type"] == "application/pdf"
        assert fetched.headers["Content-Disposition"].startswith("attachment")
    stranger = browser_for(app, make.enrolment(cohort=cohort).user)
    assert stranger.get(f"/abgaben/dateien/{row.id}").status_code == 404


@pytest.mark.parametrize("failure", ["server down", "bucket missing"])
def test_when_the_object_store_fails_nothing_is_recorded_and_the_text_is_kept(app, logged_in, learner, db, s3_store, monkeypatch, failure):
    if failure == "server down":
        monkeypatch.setitem(app.config, "FILE_STORAGE_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    else:
        monkeypatch.setitem(app.config, "FILE_STORAGE_URL", "s3://gibt-es-nicht/dateien")
    response = upload(logged_in, "Mein Entwurf bleibt", files=[("bericht.pdf", pdf_bytes())])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "„bericht.pdf“ konnte gerade nicht gespeichert werden, weil der Dateispeicher nicht erreichbar ist." in page
    assert db.session.scalar(select(SubmissionFile)) is None
    submission = db.session.scalar(select(Submission).where(Submission.enrolment_id == learner.id))
    assert submission.draft_text == "Mein Entwurf bleibt"


def test_a_large_upload_goes_from_a_file_on_disk_to_s3_in_pieces_of_one_part(app, logged_in, learner, db, s3_store,
                                                                                assignment, monkeypatch):
    """Werkzeug spools the uploaded file to a temporary file, and the store reads it from there
    a part at a time — the worker never holds the whole upload (bench/upload_memory.py measures
    what that means for a 100 MB file)."""
    assignment.settings = {**assignment.settings, "max_file_mb": 16}
    db.session.flush()
    seen = {"on disk": None, "largest": 0}
    read = s3._UploadReader.read

    def recording_read(self, size=-1):
        # Werkzeug's SpooledTemporaryFile: rolled over to a file on disk past 500 KB
        seen["on disk"] = getattr(self.stream, "_rolled", False)
        seen["largest"] = max(seen["largest"], size)
        return read(self, size)

    monkeypatch.setattr(s3._UploadReader, "read", recording_read)
    content = pdf_of(12 * MB)
    assert upload(logged_in, "", files=[("gross.pdf", content)]).status_code == 302
    assert 0 < seen["largest"] <= s3.PART_SIZE
    assert seen["on disk"] is True  # read from a temporary file, not from the upload held in memory
    row = db.session.scalar(select(SubmissionFile))
    assert row.size == len(content) and row.sha256 == hashlib.sha256(content).hexdigest()


def test_when_the_object_store_dies_mid_upload_nothing_is_recorded_and_the_text_is_kept(app, logged_in, learner, db,
                                                                                       assignment, monkeypatch):
    """The store goes away after the first part of a multipart upload: the learner reads the
    same message as for a store that was never there, no row is written, the draft text stays."""
    assignment.settings = {**assignment.settings, "max_file_mb": 16}
    db.session.flush()
    server = MotoServer().start()
    try:
        settings = server.settings(server.new_bucket())
        for name, value in settings.items():
            monkeypatch.setitem(app.config, name, value)
        read = s3._UploadReader.read

        def read_then_stop(self, size=-1):
            if self.size >= s3.PART_SIZE and server.process is not None:
                server.stop()  # the first part is on its way; the store dies now
            return read(self, size)

        monkeypatch.setattr(s3._UploadReader, "read", read_then_stop)
        response = upload(logged_in, "Mein Entwurf bleibt", files=[("bericht.pdf", pdf_of(12 * MB))])
        assert server.process is None  # it really went down mid-upload
    finally:
        server.stop()
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "„bericht.pdf“ konnte gerade nicht gespeichert werden, weil der Dateispeicher nicht erreichbar ist." in page
    assert "Ihr Text ist gespeichert" in page and "Mein Entwurf bleibt" in page
    assert db.session.scalar(select(SubmissionFile)) is None
    submission = db.session.scalar(select(Submission).where(Submission.enrolment_id == learner.id))
    assert submission.draft_text == "Mein Entwurf bleibt"


def test_a_download_while_the_object_store_is_down_says_so(app, logged_in, learner, db, s3_store, monkeypatch):
    upload(logged_in, "", files=[("bericht.pdf", pdf_bytes())])
    row = db.session.scalar(select(SubmissionFile))
    monkeypatch.setitem(app.config, "FILE_STORAGE_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    assert logged_in.get(f"/abgaben/dateien/{row.id}").status_code == 503


def test_healthz_reports_an_unreachable_object_store(client, app, s3_store, monkeypatch):
    assert client.get("/healthz").get_json()["files"] == "ok"
    monkeypatch.setitem(app.config, "FILE_STORAGE_URL", "s3://gibt-es-nicht/dateien")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["files"] == "unavailable"


def test_cleanup_removes_orphaned_objects_and_aborted_uploads_from_s3(app, logged_in, learner, db, s3_store):
    import io

    upload(logged_in, "", files=[("bericht.pdf", pdf_bytes())])
    kept = db.session.scalar(select(SubmissionFile)).storage_key
    with app.app_context():
        store = get_store()
        orphan = store.save(io.BytesIO(b"crash between write and commit")).key
        store.client.create_multipart_upload(Bucket=store.bucket, Key=store._object("e" * 32))
        assert len(list(store.keys())) == 3
    result = app.test_cli_runner().invoke(args=["assignments", "cleanup-files", "--min-age-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert f"removed {orphan}" in result.output and "2 orphaned file(s) removed" in result.output
    with app.app_context():
        assert [key for key, _ in get_store().keys()] == [kept]


def test_cleanup_says_so_when_the_object_store_is_down(app, db, s3_store, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORAGE_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    result = app.test_cli_runner().invoke(args=["assignments", "cleanup-files"])
    assert result.exit_code != 0 and "the file store cannot be reached" in result.output
