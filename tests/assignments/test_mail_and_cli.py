"""Mails over a real SMTP server (trainers on hand-in, learners on grading, the digest) and the
CLI commands (digest, orphaned-file clean-up)."""
from __future__ import annotations

import io
import os
import time

from sqlalchemy import select

from app.assignments.models import Submission, SubmissionVersion
from app.files.local import LocalFileStore
from app.mail.services import deliver_pending
from tests.assignments.conftest import browser_for, pdf_bytes, stored_files, upload


def hand_in(app, enrolment, text="Unser Projekt", files=()):
    browser = browser_for(app, enrolment.user)
    assert upload(browser, text, files=files, action="submit").status_code == 302
    return browser


def deliver(app) -> None:
    with app.app_context():
        deliver_pending()


def test_trainers_get_a_mail_on_hand_in_and_the_learner_on_grading(app, db, smtp_server, learner, trainer):
    hand_in(app, learner)
    deliver(app)
    [to_trainer] = smtp_server.messages
    assert to_trainer["to"] == [trainer.email]
    assert to_trainer["message"]["Subject"] == "Neue Abgabe: „Reflexion“ von Lena Lernende"
    submission = db.session.scalar(select(Submission))
    assert f"http://campus.test/bewertung/{submission.id}" in to_trainer["message"].get_content()

    browser = browser_for(app, trainer)
    browser.get(f"/bewertung/{submission.id}")
    browser.post(f"/bewertung/{submission.id}", {
        "version_id": str(submission.latest_version.id), "lock_version": str(submission.lock_version),
        "level_c1": "0", "decision": "revision_requested", "comment": "Bitte ein Beispiel ergänzen.",
    })
    deliver(app)
    to_learner = smtp_server.messages[-1]
    assert to_learner["to"] == [learner.user.email]
    assert to_learner["message"]["Subject"] == "Bitte überarbeiten: „Reflexion“"
    body = to_learner["message"].get_content()
    assert "Bitte ein Beispiel ergänzen." in body and "http://campus.test/kurse/kurz-kurs/02-abschluss/aufgaben/reflexion" in body


def test_learner_mail_follows_the_learners_language(app, db, smtp_server, learner, trainer):
    learner.user.locale = "en"
    db.session.flush()
    hand_in(app, learner)
    submission = db.session.scalar(select(Submission))
    browser = browser_for(app, trainer)
    browser.get(f"/bewertung/{submission.id}")
    browser.post(f"/bewertung/{submission.id}", {
        "version_id": str(submission.latest_version.id), "lock_version": str(submission.lock_version),
        "level_c1": "1", "decision": "passed", "comment": "",
    })
    deliver(app)
    # rendered under the learner's locale: the greeting is already translated
    [to_trainer, to_learner] = smtp_server.messages
    assert to_learner["to"] == [learner.user.email]
    assert to_learner["message"].get_content().startswith("Dear Lena Lernende,")
    assert to_trainer["message"].get_content().startswith("Guten Tag Tom Trainer,")


def test_digest_mode_sends_one_mail_per_trainer_from_the_cli(app, db, smtp_server, make, cohort, learner, trainer, monkeypatch):
    from tests.assignments.conftest import open_first_module

    monkeypatch.setitem(app.config, "TRAINER_NOTIFICATIONS", "digest")
    second = make.enrolment(user=make.user("learner", name="Zoe Zweite"), cohort=cohort)
    open_first_module(db, second)
    hand_in(app, learner)
    hand_in(app, second)
    deliver(app)
    assert smtp_server.messages == []  # nothing at hand-in time
    result = app.test_cli_runner().invoke(args=["assignments", "digest"])
    assert result.exit_code == 0, result.output
    [digest] = smtp_server.messages
    assert digest["to"] == [trainer.email]
    assert digest["message"]["Subject"] == "2 neue Abgaben warten auf Ihre Bewertung"
    body = digest["message"].get_content()
    assert "Lena Lernende" in body and "Zoe Zweite" in body
    assert all(v.trainers_notified_at for v in db.session.scalars(select(SubmissionVersion)))
    app.test_cli_runner().invoke(args=["assignments", "digest"])
    assert len(smtp_server.messages) == 1  # nothing new, nothing sent


def test_cleanup_removes_only_old_orphans(app, db, learner, file_store):
    browser = browser_for(app, learner.user)
    upload(browser, "", files=[("bericht.pdf", pdf_bytes())])
    [kept] = stored_files(file_store)
    store = LocalFileStore(file_store)
    old_orphan = store.save(io.BytesIO(b"crash between write and commit"))
    young_orphan = store.save(io.BytesIO(b"row about to be committed"))
    leftover = file_store / "tmp" / ("a" * 32 + ".part")
    leftover.write_bytes(b"half")
    an_hour_ago = time.time() - 2 * 3600
    for path in (file_store / old_orphan.key[:2] / old_orphan.key, kept, leftover):
        os.utime(path, (an_hour_ago, an_hour_ago))

    result = app.test_cli_runner().invoke(args=["assignments", "cleanup-files", "--dry-run"])
    assert "2 orphaned file(s) found" in result.output and len(stored_files(file_store)) == 4
    result = app.test_cli_runner().invoke(args=["assignments", "cleanup-files"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in stored_files(file_store)) == sorted([kept.name, young_orphan.key])
