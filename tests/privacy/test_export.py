"""The learner's data export: every category, every file with its checksum, audit event."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.privacy.conftest import file_rows

CATEGORIES = ("account", "profile", "enrolments", "progress_events", "quiz_attempts", "submissions", "certificates",
              "invitations", "password_reset_requests", "security_log", "discussion_threads", "discussion_posts",
              "directory_entries")


def download(browser) -> tuple:
    browser.get("/meine-daten")
    response = browser.post("/meine-daten/export")
    assert response.status_code == 200, response.status_code
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return response, archive, json.loads(archive.read("daten.json"))


def test_export_contains_every_category(browser, rich, db):
    browser.login(rich.user)
    response, archive, data = download(browser)
    assert response.mimetype == "application/zip" and "no-store" in response.headers["Cache-Control"]
    assert "attachment" in response.headers["Content-Disposition"]
    for category in CATEGORIES:
        assert data[category], category
    assert data["account"]["email"] == rich.user.email and data["account"]["name"] == "Petra Privat"
    assert data["profile"] == {"municipality": "Stadt Brandenburg", "position": "Digitalisierung", "district_ags": "12054",
                               "district_name": data["profile"]["district_name"], "land": "12"}
    assert data["profile"]["district_name"]
    [enrolment] = data["enrolments"]
    assert enrolment["status"] == "completed" and enrolment["cohort"]["id"] == rich.enrolment.cohort_id
    assert {e["item_type"] for e in data["progress_events"]} >= {"lesson", "quiz", "assignment", "module", "course"}
    assert all(e["completed_at"] and e["item_title"] for e in data["progress_events"])
    [attempt] = data["quiz_attempts"]
    assert attempt["questions_as_seen"] and attempt["submitted_at"] and attempt["score"] is not None
    assert "answers" in attempt and "results" in attempt
    [submission] = data["submissions"]
    assert [v["text"] for v in submission["versions"]] == [
        "Erste Fassung über unser Parkraumprojekt in Stadt Brandenburg", "Zweite Fassung mit Bezug zur Stadt Brandenburg"]
    gradings = [g for v in submission["versions"] for g in v["gradings"]]
    assert [(g["decision"], g["comment"], g["grader"]) for g in gradings] == [
        ("revision_requested", "Bitte den Bezug zu Stadt Brandenburg ergänzen.", "Tom Trainer"), ("passed", "Sehr gut.", "Tom Trainer")]
    [certificate] = data["certificates"]
    assert certificate["data"]["name"] == "Petra Privat" and certificate["status"] == "valid" and certificate["number"]
    assert {e["action"] for e in data["security_log"]} >= {"login"}
    assert len(data["login_sessions"]) == 1 and data["login_sessions"][0]["signed_in_at"]  # this browser's sign-in
    assert [p["body"] for p in data["discussion_posts"]] == ["Wie fangen wir mit offenen Daten an?"]
    assert data["discussion_threads"][0]["title"] == "Frage zu offenen Daten"
    assert data["directory_entries"][0]["contact_email"].endswith("@kommune.example")
    assert "LIESMICH.txt" in archive.namelist()


def test_export_contains_every_file_with_matching_checksums(browser, rich, db):
    browser.login(rich.user)
    _response, archive, data = download(browser)
    entries = [f for s in data["submissions"] for v in s["versions"] for f in v["files"]]
    assert sorted(f["filename"] for f in entries) == ["bericht.pdf", "bericht.pdf", "plan.png"]
    rows = {row.id: row for row in file_rows(db, rich.enrolment)}
    for entry in entries:
        content = archive.read(entry["path_in_zip"])
        assert content == rich.files[entry["filename"]]
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] == rows[entry["id"]].sha256
        assert "_storage_key" not in entry and "storage_key" not in json.dumps(entry)
    assert len({f["path_in_zip"] for f in entries}) == 3  # a file shared by two versions appears in both


def test_export_records_an_audit_event(browser, rich, db):
    browser.login(rich.user)
    download(browser)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data_exported"))
    assert event.actor_id == rich.user.id and event.object_id == str(rich.user.id) and event.detail["files"] == 3


def test_a_missing_stored_file_is_marked_and_does_not_break_the_export(browser, rich, db, file_store):
    for path in file_store.rglob("*"):
        if path.is_file() and path.read_bytes() == rich.files["plan.png"]:
            path.unlink()
    browser.login(rich.user)
    _response, archive, data = download(browser)
    entries = [f for s in data["submissions"] for v in s["versions"] for f in v["files"]]
    assert [f["filename"] for f in entries if f.get("missing")] == ["plan.png"]
    assert len([n for n in archive.namelist() if n.startswith("dateien/")]) == 2


def test_export_holds_only_the_own_data(browser, rich, make, db):
    other = make.user("learner", name="Otto Anders")
    browser.login(other)
    _response, archive, data = download(browser)
    assert data["account"]["name"] == "Otto Anders"
    assert not data["submissions"] and not data["certificates"] and not data["quiz_attempts"]
    assert "Petra Privat" not in json.dumps(data) and not [n for n in archive.namelist() if n.startswith("dateien/")]


def test_export_needs_login_a_post_and_the_csrf_token(browser, client, rich):
    assert client.get("/meine-daten").status_code == 302
    assert client.post("/meine-daten/export").status_code in (302, 400)
    browser.login(rich.user)
    assert browser.get("/meine-daten/export").status_code == 405
    assert browser.post("/meine-daten/export", csrf=False).status_code == 400


def test_cli_export_writes_the_same_zip(app, rich, db, tmp_path):
    target = tmp_path / "export.zip"
    result = app.test_cli_runner().invoke(args=["privacy", "export", rich.user.email, str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(zipfile.ZipFile(target).read("daten.json"))
    assert data["account"]["email"] == rich.user.email and len(data["submissions"][0]["versions"]) == 2
