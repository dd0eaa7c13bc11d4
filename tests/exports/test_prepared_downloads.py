"""The prepared-download machinery with a kind of its own: exactly one file however often the job
runs, a stale build taken over, a failure shown and retried, progress, expiry, access, CSRF."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select, update

from app.db import utcnow
from app.exports import services
from app.exports.models import Export, ExportStatus
from app.exports.services import Built, ExportError, Kind
from tests.exports.conftest import QueryCounter, stored_files

SEEN: list[tuple[int, int | None]] = []  # (done, total) as the row said right after each progress call
FAILURES: list[str] = []  # codes the next builds raise, one each
INTERFERE: list[str] = []  # "take over": another run claims the row while this one builds


def build_numbers(user, params, target, progress) -> Built:
    from app.extensions import db

    if FAILURES:
        code = FAILURES.pop(0)
        raise ExportError(code) if code != "crash" else RuntimeError("boom")
    count = params["count"]
    for number in range(1, count + 1):
        target.write(f"{number}\n".encode())
        progress(number, count)
        row = db.session.execute(select(Export.done, Export.total).where(Export.claim.is_not(None))).first()
        SEEN.append(tuple(row) if row else None)
        if INTERFERE and number == 2:
            INTERFERE.clear()
            db.session.execute(update(Export).values(claim="0" * 32))  # a second worker took it over
            db.session.commit()
    return Built("zahlen.txt", "text/plain")


def may_have_numbers(user, params) -> bool:
    return not params.get("forbidden")


@pytest.fixture(autouse=True)
def numbers_kind(monkeypatch):
    SEEN.clear(), FAILURES.clear(), INTERFERE.clear()
    monkeypatch.setitem(services.KINDS, "tests.numbers", Kind("tests.numbers", build_numbers, may_have_numbers))


def ask(db, user, count: int = 5, **params) -> Export:
    from app import jobs

    export = services.request_export(user, "tests.numbers", {"count": count, **params}, "Zahlen", total=count)
    db.session.commit()
    jobs.run_committed()
    return db.session.get(Export, export.id, populate_existing=True)


def test_the_job_builds_the_file_once_however_often_it_runs(db, make, file_store):
    user = make.user()
    export = ask(db, user)
    assert export.status == ExportStatus.READY and export.done == 5 and export.attempts == 1
    assert export.filename == "zahlen.txt" and export.content_type == "text/plain" and export.size == 10
    assert [p.read_bytes() for p in stored_files(file_store)] == [b"1\n2\n3\n4\n5\n"]
    assert services.build_export(export.id) == "not claimed"
    assert services.build_export(export.id) == "not claimed"
    db.session.refresh(export)
    assert export.status == ExportStatus.READY and export.attempts == 1
    assert len(stored_files(file_store)) == 1
    assert export.expires_at - export.finished_at == timedelta(hours=72)


def test_only_one_of_two_claims_wins(db, make):
    export = services.request_export(make.user(), "tests.numbers", {"count": 1}, "Zahlen")
    db.session.commit()
    first, second = services.claim(export.id), services.claim(export.id)
    assert first and second is None


def test_a_build_whose_worker_died_is_taken_over_and_gives_one_file(app, db, make, file_store):
    export = services.request_export(make.user(), "tests.numbers", {"count": 3}, "Zahlen")
    db.session.commit()
    assert services.claim(export.id)  # the first worker claims it, then dies (no heartbeat any more)
    assert services.build_export(export.id) == "not claimed"  # within the lease nobody takes it
    db.session.execute(update(Export).where(Export.id == export.id)
                       .values(heartbeat_at=utcnow() - timedelta(seconds=app.config["EXPORT_LEASE_SECONDS"] + 1)))
    db.session.commit()
    assert services.build_export(export.id) == "ready"
    db.session.refresh(export)
    assert export.status == ExportStatus.READY and export.attempts == 2
    assert len(stored_files(file_store)) == 1


def test_a_run_that_lost_its_claim_stores_nothing(app, db, make, file_store, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_PROGRESS_EVERY", 1)
    INTERFERE.append("take over")
    export = services.request_export(make.user(), "tests.numbers", {"count": 5}, "Zahlen")
    db.session.commit()
    assert services.build_export(export.id) == "lost"
    db.session.refresh(export)
    assert export.status == ExportStatus.RUNNING and export.claim == "0" * 32 and export.file_key is None
    assert stored_files(file_store) == []


def test_progress_is_committed_every_n_rows(app, db, make, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_PROGRESS_EVERY", 3)
    ask(db, make.user(), count=7)
    # rows 1–2 still show 0, row 3 commits 3, rows 4–5 keep it, row 6 commits 6, the last row commits 7
    assert SEEN == [(0, 7), (0, 7), (3, 7), (3, 7), (3, 7), (6, 7), (7, 7)]


def test_status_page_shows_progress_with_a_labelled_progress_element(db, make, login_as):
    user = make.user()
    export = services.request_export(user, "tests.numbers", {"count": 5000}, "Große Liste", total=5000)
    db.session.flush()
    export.status, export.done, export.heartbeat_at = ExportStatus.RUNNING, 1200, utcnow()
    db.session.commit()
    browser = login_as(user)
    page = browser.get(f"/meine-downloads/{export.id}").get_data(as_text=True)
    assert "Die Datei wird erstellt …" in page and "1.200 von 5.000 Zeilen" in page
    assert '<label for="export-progress">Fortschritt</label>' in page
    assert '<progress id="export-progress" max="5000" value="1200">' in page
    assert 'aria-live="polite"' in page and "/static/js/exports.js" in page
    assert f'href="/meine-downloads/{export.id}">Aktualisieren</a>' in page.replace(' class="refresh-link"', "")
    fragment = browser.get(f"/meine-downloads/{export.id}/stand")
    assert fragment.headers["Cache-Control"] == "no-store"
    assert "1.200 von 5.000 Zeilen" in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    english = browser.post("/sprache", {"lang": "en", "next": f"/meine-downloads/{export.id}"})
    assert english.status_code == 302
    assert "1,200 of 5,000 rows" in browser.get(f"/meine-downloads/{export.id}").get_data(as_text=True)


def test_a_failed_build_says_so_and_can_be_retried(db, make, login_as, file_store):
    user = make.user()
    FAILURES.append("crash")
    export = ask(db, user)
    assert export.status == ExportStatus.FAILED and export.error == "internal" and export.claim is None
    browser = login_as(user)
    page = browser.get(f"/meine-downloads/{export.id}").get_data(as_text=True)
    assert "Die Datei konnte nicht erstellt werden." in page and "Erneut versuchen" in page
    assert browser.get(f"/meine-downloads/{export.id}/datei").status_code == 302  # no file: back to the status
    assert browser.post(f"/meine-downloads/{export.id}/erneut", csrf=False).status_code == 400
    response = browser.post(f"/meine-downloads/{export.id}/erneut")
    assert response.status_code == 303
    response.close()  # the job runs once the response is sent
    db.session.refresh(export)
    assert export.status == ExportStatus.READY and export.attempts == 2 and export.error is None
    assert browser.get(f"/meine-downloads/{export.id}/datei").data == b"1\n2\n3\n4\n5\n"
    assert browser.post(f"/meine-downloads/{export.id}/erneut").status_code == 303  # ready: nothing happens
    db.session.refresh(export)
    assert export.status == ExportStatus.READY and len(stored_files(file_store)) == 1


def test_a_readable_reason_is_shown(db, make, login_as):
    user = make.user()
    FAILURES.append("gone")
    export = ask(db, user)
    page = login_as(user).get(f"/meine-downloads/{export.id}").get_data(as_text=True)
    assert "Was exportiert werden sollte, gibt es nicht mehr." in page


def test_a_stale_pending_export_offers_a_retry(app, db, make, login_as):
    user = make.user()
    export = services.request_export(user, "tests.numbers", {"count": 2}, "Zahlen")
    export.created_at = utcnow() - timedelta(seconds=app.config["EXPORT_LEASE_SECONDS"] + 5)
    db.session.commit()
    g.pop("scc_jobs_committed", None)  # the job was lost (server restarted)
    browser = login_as(user)
    page = browser.get(f"/meine-downloads/{export.id}").get_data(as_text=True)
    assert "Die Erstellung kommt nicht voran." in page and "Erneut versuchen" in page
    browser.post(f"/meine-downloads/{export.id}/erneut").close()
    db.session.refresh(export)
    assert export.status == ExportStatus.READY


def test_cleanup_asks_again_for_a_build_whose_job_was_lost(app, db, make, file_store):
    from app import jobs

    export = services.request_export(make.user(), "tests.numbers", {"count": 2}, "Zahlen")
    db.session.commit()
    g.pop("scc_jobs_committed", None)  # the job was lost (server restarted)
    fresh = services.request_export(make.user(), "tests.numbers", {"count": 2}, "Zahlen")
    db.session.commit()
    g.pop("scc_jobs_committed", None)
    assert services.requeue_stale() == 0  # within the lease: its job may still come
    export.created_at = utcnow() - timedelta(seconds=app.config["EXPORT_LEASE_SECONDS"] + 5)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["exports", "cleanup"])
    assert "asked again for 1 stalled build" in result.output, result.output
    jobs.run_committed()
    db.session.refresh(export), db.session.refresh(fresh)
    assert export.status == ExportStatus.READY and fresh.status == ExportStatus.PENDING
    assert len(stored_files(file_store)) == 1


def test_nobody_else_sees_or_downloads_an_export(db, make, login_as):
    owner, other = make.user(), make.user()
    export = ask(db, owner)
    browser = login_as(other)
    for url in (f"/meine-downloads/{export.id}", f"/meine-downloads/{export.id}/stand", f"/meine-downloads/{export.id}/datei"):
        assert browser.get(url).status_code == 404, url
    assert browser.post(f"/meine-downloads/{export.id}/erneut").status_code == 404
    assert "Zahlen" not in browser.get("/meine-downloads").get_data(as_text=True)
    assert login_as(owner).get(f"/meine-downloads/{export.id}/datei").status_code == 200


def test_access_is_checked_again_at_download(db, make, login_as):
    user = make.user()
    export = ask(db, user)
    export.params = {**export.params, "forbidden": True}  # what the feature's rule now says
    db.session.commit()
    browser = login_as(user)
    assert browser.get(f"/meine-downloads/{export.id}/datei").status_code == 403
    assert "Sie haben keinen Zugriff mehr auf diese Daten." in browser.get(f"/meine-downloads/{export.id}").get_data(as_text=True)


def test_a_build_the_person_may_no_longer_have_fails_as_denied(db, make, file_store):
    export = ask(db, make.user(), forbidden=True)
    assert export.status == ExportStatus.FAILED and export.error == "denied" and stored_files(file_store) == []


def test_a_build_of_a_kind_this_version_no_longer_has_fails_as_gone(db, make, file_store):
    from app import jobs

    export = services.request_export(make.user(), "tests.numbers", {"count": 3}, "Zahlen", total=3)
    export.kind = "tests.retired"  # asked for before an update that removed the kind
    db.session.commit()
    jobs.run_committed()
    export = db.session.get(Export, export.id, populate_existing=True)
    assert export.status == ExportStatus.FAILED and export.error == "gone" and stored_files(file_store) == []


def test_expired_files_are_deleted(app, db, make, file_store):
    user = make.user()
    old, fresh = ask(db, user), ask(db, user)
    old.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert len(stored_files(file_store)) == 2
    result = app.test_cli_runner().invoke(args=["exports", "cleanup"])
    assert result.exit_code == 0 and "deleted 1 expired" in result.output, result.output
    db.session.refresh(old), db.session.refresh(fresh)
    assert old.status == ExportStatus.EXPIRED and old.file_key is None
    assert fresh.status == ExportStatus.READY and len(stored_files(file_store)) == 1
    assert services.delete_expired() == 0  # nothing left to do
    old.created_at = utcnow() - timedelta(days=services.HISTORY_DAYS + 1)
    db.session.commit()
    old_id, fresh_id = old.id, fresh.id
    db.session.expunge_all()
    from app import jobs

    jobs.run(jobs.Job("exports.cleanup"))  # the scheduler's way
    assert db.session.get(Export, old_id) is None and db.session.get(Export, fresh_id) is not None


def test_expired_export_page_says_so(db, make, login_as):
    user = make.user()
    export = ask(db, user)
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    services.delete_expired()
    browser = login_as(user)
    assert "Die Datei ist abgelaufen" in browser.get(f"/meine-downloads/{export.id}").get_data(as_text=True)
    assert browser.get(f"/meine-downloads/{export.id}/datei").status_code == 302


def test_my_downloads_lists_my_exports_in_a_constant_number_of_queries(db, make, login_as):
    user = make.user()
    ask(db, user)
    browser = login_as(user)
    browser.get("/meine-downloads")
    with QueryCounter(db.engine) as one:
        page = browser.get("/meine-downloads").get_data(as_text=True)
    assert "Zahlen" in page and "fertig" in page
    for _ in range(6):
        ask(db, user)
    with QueryCounter(db.engine) as seven:
        page = browser.get("/meine-downloads").get_data(as_text=True)
    assert page.count('href="/meine-downloads/') >= 7
    assert seven.count == one.count


def test_deleting_the_account_deletes_the_prepared_files(app, db, make, file_store):
    from app.privacy.services import delete_account, remove_files
    from app.files import get_store

    user = make.user()
    ask(db, user)
    keys = delete_account(user, deleted_by=None, by="admin")
    db.session.commit()
    remove_files(get_store(), keys)
    assert stored_files(file_store) == []
    assert db.session.scalars(select(Export).where(Export.user_id == user.id)).all() == []
