"""Learners: drafts, files checked by content, immutable numbered versions, lateness, access."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.files import local as storage
from app.assignments.models import ImmutableRecordError, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion
from tests.assignments.conftest import (
    URL, browser_for, docx_bytes, exe_bytes, fake_docx, odt_bytes, pdf_bytes, stored_files, upload, zip_bomb_docx,
)


@pytest.fixture()
def logged_in(browser, learner):
    browser.login(learner.user)
    return browser


def submission_of(db, enrolment) -> Submission:
    return db.session.scalar(select(Submission).where(Submission.enrolment_id == enrolment.id))


def test_module_page_links_to_the_assignment_and_shows_its_status(logged_in, learner, db):
    page = logged_in.get("/kurse/kurz-kurs/02-abschluss").get_data(as_text=True)
    assert f'href="{URL}"' in page and "Zur Abgabe" in page
    upload(logged_in, "Mein Entwurf")
    page = logged_in.get("/kurse/kurz-kurs/02-abschluss").get_data(as_text=True)
    assert "Status: " in page and "Entwurf" in page


def test_draft_is_saved_and_shown_again(logged_in, learner, db):
    response = upload(logged_in, "Unser **Parkraumprojekt**")
    assert response.status_code == 302
    page = logged_in.get(URL).get_data(as_text=True)
    assert "Unser **Parkraumprojekt**</textarea>" in page
    assert submission_of(db, learner).status == SubmissionStatus.DRAFT
    assert db.session.scalar(select(SubmissionVersion)) is None


def test_files_are_accepted_by_content_and_stored_with_checksum(logged_in, learner, db, file_store):
    response = upload(logged_in, "", files=[("bericht.pdf", pdf_bytes()), ("plan.docx", docx_bytes()), ("notizen.odt", odt_bytes())])
    assert response.status_code == 302
    rows = db.session.scalars(select(SubmissionFile).order_by(SubmissionFile.id)).all()
    assert [(r.filename, r.content_type) for r in rows] == [
        ("bericht.pdf", "application/pdf"),
        ("plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("notizen.odt", "application/vnd.oasis.opendocument.text"),
    ]
    assert len(stored_files(file_store)) == 3
    import hashlib
    assert rows[0].sha256 == hashlib.sha256(pdf_bytes()).hexdigest()


def test_a_renamed_exe_is_refused_with_the_reason_and_the_text_is_kept(logged_in, learner, db, file_store):
    response = upload(logged_in, "Mein langer Text, den ich nicht verlieren will.", files=[("bericht.pdf", exe_bytes())])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "„bericht.pdf“ ist keine gültige PDF-Datei" in page
    assert "Mein langer Text, den ich nicht verlieren will.</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert submission_of(db, learner).draft_text == "Mein langer Text, den ich nicht verlieren will."
    assert db.session.scalar(select(SubmissionFile)) is None
    assert stored_files(file_store) == []


def test_a_zip_bomb_named_docx_is_refused_with_the_reason_and_the_text_is_kept(logged_in, learner, db, file_store):
    bomb = zip_bomb_docx()  # ~204 KB, well under the 1 MB upload limit, holding 200 MB of zeros
    response = upload(logged_in, "Mein Konzept, Stand Montag.", files=[("konzept.docx", bomb), ("anhang.pdf", pdf_bytes())])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "„konzept.docx“ wird nicht angenommen: Entpackt wäre die Datei größer als 100 MB." in page
    assert "Mein Konzept, Stand Montag.</textarea>" in page
    assert submission_of(db, learner).draft_text == "Mein Konzept, Stand Montag."
    assert [f.filename for f in db.session.scalars(select(SubmissionFile))] == ["anhang.pdf"]  # the good file is kept
    assert len(stored_files(file_store)) == 1


def test_the_archive_limits_come_from_the_configuration(app, logged_in, learner, db, file_store, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_ARCHIVE_MAX_UNPACKED_MB", 300)
    response = upload(logged_in, "Text", files=[("konzept.docx", zip_bomb_docx())])
    assert response.status_code == 422  # under the size limit now, but still packed far tighter than 100 : 1
    assert "„konzept.docx“ wird nicht angenommen: Ein Teil der Datei ist mehr als 100-fach verdichtet." in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "UPLOAD_ARCHIVE_MAX_RATIO", 2000)
    assert upload(logged_in, "Text", files=[("konzept.docx", zip_bomb_docx())]).status_code == 302


def test_a_fake_docx_is_refused_as_no_office_document_and_the_text_is_kept(logged_in, learner, db, file_store):
    response = upload(logged_in, "Entwurf bleibt", files=[("plan.docx", fake_docx())])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "„plan.docx“ ist keine echte DOCX-Datei" in page
    assert "„[Content_Types].xml“" in page
    assert "Entwurf bleibt</textarea>" in page
    assert db.session.scalar(select(SubmissionFile)) is None
    assert stored_files(file_store) == []


def test_a_type_outside_the_allow_list_and_an_oversized_file_are_refused(logged_in, learner, db, file_store):
    response = upload(logged_in, "Text", files=[("tabelle.xlsx", b"PK"), ("gross.pdf", b"%PDF-" + b"x" * (1024 * 1024 + 1))])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "„tabelle.xlsx“: Dieser Dateityp ist nicht erlaubt. Erlaubt sind: PDF, DOCX, ODT, PNG, JPG." in page
    assert "„gross.pdf“ ist zu groß: höchstens 1 MB je Datei." in page
    assert stored_files(file_store) == []


def test_a_storage_failure_stores_no_row_and_no_partial_file(logged_in, learner, db, file_store, monkeypatch):
    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "fsync", broken_fsync)
    response = upload(logged_in, "Text bleibt", files=[("bericht.pdf", pdf_bytes())])
    assert response.status_code == 422
    assert "konnte nicht gespeichert werden" in response.get_data(as_text=True)
    assert db.session.scalar(select(SubmissionFile)) is None
    assert stored_files(file_store) == []
    assert submission_of(db, learner).draft_text == "Text bleibt"


def test_removing_a_draft_file(logged_in, learner, db):
    upload(logged_in, "Text", files=[("bericht.pdf", pdf_bytes())])
    row = db.session.scalar(select(SubmissionFile))
    response = upload(logged_in, "Text", remove_file=str(row.id))
    assert response.status_code == 302
    assert db.session.scalar(select(SubmissionFile)) is None


def test_handing_in_creates_an_immutable_numbered_version(logged_in, learner, db):
    upload(logged_in, "Fassung eins", files=[("bericht.pdf", pdf_bytes())])
    response = upload(logged_in, "Fassung eins", action="submit")
    assert response.status_code == 302
    submission = submission_of(db, learner)
    [version] = submission.versions
    assert (version.number, version.text, version.late) == (1, "Fassung eins", False)
    assert [f.filename for f in version.files] == ["bericht.pdf"]
    assert submission.status == SubmissionStatus.SUBMITTED and submission.draft_files == []
    page = logged_in.get(URL).get_data(as_text=True)
    assert "Version 1" in page and "abgegeben" in page and "<textarea" not in page
    # a second click, or editing afterwards, changes nothing
    assert upload(logged_in, "Geändert", action="submit").status_code == 302
    db.session.refresh(submission)
    assert len(submission.versions) == 1 and submission.versions[0].text == "Fassung eins"
    # and the database layer refuses changes to the version and its files
    version.text = "manipuliert"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()
    file_row = db.session.scalar(select(SubmissionFile))
    db.session.delete(file_row)
    with pytest.raises(ImmutableRecordError):
        db.session.flush()


def test_markdown_is_rendered_without_raw_html(logged_in, learner, db, make, another_browser, trainer):
    upload(logged_in, "## Titel\n\n<script>alert(1)</script> **fett** [x](javascript:alert(1))", action="submit")
    page = logged_in.get(URL).get_data(as_text=True)
    assert "<strong>fett</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_empty_hand_in_is_refused(logged_in, learner, db):
    response = upload(logged_in, "   ", action="submit")
    assert response.status_code == 302
    assert "Bitte schreiben Sie einen Text oder laden Sie mindestens eine Datei hoch." in logged_in.get(URL).get_data(as_text=True)
    assert db.session.scalar(select(SubmissionVersion)) is None


def test_late_hand_in_is_marked_late(logged_in, learner, db, cohort):
    cohort.starts_on = date(2020, 1, 6)  # module 2 opens a week later, due 7 days after that
    db.session.commit()  # as another request would have: the upload's request begins its writes afresh
    upload(logged_in, "Spät, aber da", action="submit")
    version = db.session.scalar(select(SubmissionVersion))
    assert version.late and version.due_on == date(2020, 1, 20)
    assert "verspätet" in logged_in.get(URL).get_data(as_text=True)


def test_late_hand_in_is_refused_only_when_the_course_says_so(logged_in, learner, db, cohort, assignment):
    cohort.starts_on = date(2020, 1, 6)
    assignment.settings = {**assignment.settings, "late": "refuse"}
    db.session.commit()
    upload(logged_in, "Zu spät", action="submit")
    assert db.session.scalar(select(SubmissionVersion)) is None
    page = logged_in.get(URL).get_data(as_text=True)
    assert "Die Abgabefrist ist am 20.01.2020 abgelaufen" in page
    assert "Zu spät</textarea>" in page  # the draft is kept


def test_due_date_comes_from_the_cohort_schedule(logged_in, learner, db):
    page = logged_in.get(URL).get_data(as_text=True)
    # the cohort starts on 11 Jan 2027, module 2 opens a week later, due_days: 7
    assert "Abgabe bis 25.01.2027" in page


def test_locked_module_offers_no_form(browser, make, cohort, assignment):
    enrolment = make.enrolment(cohort=cohort)
    browser.login(enrolment.user)
    page = browser.get(URL).get_data(as_text=True)
    assert "<textarea" not in page and "sobald Sie diese Module abgeschlossen haben" in page
    assert browser.post(URL, {"text": "x", "action": "save"}).status_code == 403


def test_files_are_served_only_to_owner_trainers_and_admins(app, logged_in, learner, db, make, cohort):
    upload(logged_in, "", files=[("bericht.pdf", pdf_bytes())], action="submit")
    row = db.session.scalar(select(SubmissionFile))
    url = f"/abgaben/dateien/{row.id}"
    response = logged_in.get(url)
    assert response.status_code == 200 and response.data == pdf_bytes()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")

    other_learner = make.enrolment(cohort=cohort).user
    other_trainer = make.user("trainer")
    make.cohort(trainers=[other_trainer])
    for user, expected in ((other_learner, 404), (other_trainer, 404), (cohort.trainers[0], 200), (make.user("admin"), 200)):
        assert browser_for(app, user).get(url).status_code == expected, user


def test_no_hand_in_before_the_module_opens_when_the_cohort_releases_by_date(logged_in, learner, db, cohort):
    if not hasattr(cohort, "release_locks"):
        pytest.skip("cohort release dates not available")
    cohort.release_locks = True
    db.session.flush()  # the cohort starts in 2027: module 2 opens on 18 Jan 2027
    page = logged_in.get(URL).get_data(as_text=True)
    assert "Dieses Modul öffnet am 18.01.2027." in page and "<textarea" not in page
    assert logged_in.post(URL, {"text": "zu früh", "action": "save"}).status_code == 403
