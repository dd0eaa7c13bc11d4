"""Mail is recorded with the action and delivered over SMTP afterwards, with retries."""
from __future__ import annotations

from sqlalchemy import select

from app.mail.models import OutgoingMail
from app.mail.services import deliver_pending, queue_mail
from tests.conftest import free_port


def test_mail_goes_over_a_real_smtp_conversation(app, db, smtp_server):
    with app.test_request_context():
        queue_mail("lena@example.net", "Grüße aus der Kommune", "Hallo Lena,\n\nÄnderungen gespeichert.")
        db.session.commit()
        assert deliver_pending() == (1, 0)
    [received] = smtp_server.messages
    assert received["to"] == ["lena@example.net"]
    assert received["message"]["Subject"] == "Grüße aus der Kommune"
    assert "Änderungen gespeichert." in received["message"].get_content()


def test_unreachable_server_keeps_the_mail_for_a_retry(app, db, smtp_server):
    port = app.config["MAIL_PORT"]
    with app.test_request_context():
        mail = queue_mail("lena@example.net", "Erinnerung", "Text")
        db.session.commit()
        app.config["MAIL_PORT"] = free_port()  # nobody listens here
        assert deliver_pending() == (0, 1)
        db.session.refresh(mail)
        assert mail.sent_at is None and mail.attempts == 1 and "ConnectionRefusedError" in mail.last_error
        app.config["MAIL_PORT"] = port
        assert deliver_pending() == (1, 0)
    assert len(smtp_server.messages) == 1


def test_rolled_back_action_sends_nothing(app, db, smtp_server):
    with app.test_request_context():
        queue_mail("lena@example.net", "Nie gesendet", "Text")
        db.session.rollback()
        assert deliver_pending() == (0, 0)
    assert smtp_server.messages == []
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.subject == "Nie gesendet")) is None


def test_password_reset_mail_arrives_over_smtp(app, browser, make, smtp_server):
    user = make.user("learner")
    browser.get("/passwort-vergessen")
    browser.post("/passwort-vergessen", {"email": user.email})
    with app.app_context():
        deliver_pending()
    [received] = smtp_server.messages
    assert received["to"] == [user.email]
    assert "/passwort-neu/" in received["message"].get_content()


def _poisoned_row(db) -> OutgoingMail:
    """A row as old data could hold it: written straight to the table, past queue_mail."""
    mail = OutgoingMail(recipient="trainer@example.net", subject="Neue Abgabe von Lara\r\nBcc: x@example.org", body="Text")
    db.session.add(mail)
    return mail


def test_a_poisoned_mail_fails_on_its_own_and_the_queue_goes_on(app, db, smtp_server):
    """Issue 21: a line break in one subject used to raise out of deliver_pending, unsaved, so the
    oldest-first queue stuck behind that row forever."""
    with app.test_request_context():
        poisoned = _poisoned_row(db)
        db.session.commit()
        queue_mail("lena@example.net", "Ihr Link zum Zurücksetzen des Passworts", "Link")
        db.session.commit()
        assert deliver_pending() == (1, 1)
        db.session.refresh(poisoned)
        assert poisoned.sent_at is None and poisoned.attempts == 1
        assert poisoned.last_error.startswith("ValueError") and "linefeed" in poisoned.last_error
        assert deliver_pending() == (0, 1)  # tried again on the next run, counted again
        db.session.refresh(poisoned)
        assert poisoned.attempts == 2
    [received] = smtp_server.messages
    assert received["to"] == ["lena@example.net"]
    assert received["message"]["Subject"] == "Ihr Link zum Zurücksetzen des Passworts"


def test_mail_deliver_command_goes_past_a_poisoned_mail(app, db, smtp_server):
    with app.test_request_context():
        _poisoned_row(db)
        db.session.commit()
        queue_mail("lena@example.net", "Einladung", "Text")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 1 failed" in result.output
    assert [m["to"] for m in smtp_server.messages] == [["lena@example.net"]]


def test_an_unexpected_error_in_an_attachment_fails_only_that_mail(app, db, smtp_server):
    from app.mail.services import ATTACHMENT_RENDERERS, register_attachment_renderer

    def broken(reference):
        raise RuntimeError("renderer bug")

    register_attachment_renderer("broken-for-test", broken)
    try:
        with app.test_request_context():
            failing = queue_mail("anna@example.net", "Mit Anhang", "Text", attachments=[{"kind": "broken-for-test"}])
            queue_mail("lena@example.net", "Ohne Anhang", "Text")
            db.session.commit()
            assert deliver_pending() == (1, 1)
            db.session.refresh(failing)
            assert failing.attempts == 1 and failing.last_error == "RuntimeError: renderer bug"
    finally:
        del ATTACHMENT_RENDERERS["broken-for-test"]
    assert [m["to"] for m in smtp_server.messages] == [["lena@example.net"]]


def test_subjects_built_from_stored_data_become_one_line(app, db, smtp_server):
    """A name saved before input was checked still cannot add a header to a mail."""
    with app.test_request_context():
        mail = queue_mail("trainer@example.net", "Neue Abgabe von Lara\r\nBcc: x@example.org\u2028(Modul 3)", "Text")
        db.session.commit()
        assert mail.subject == "Neue Abgabe von Lara Bcc: x@example.org (Modul 3)"
        assert deliver_pending() == (1, 0)
    [received] = smtp_server.messages
    assert received["to"] == ["trainer@example.net"]
    assert received["message"]["Bcc"] is None
    assert received["message"]["Subject"] == "Neue Abgabe von Lara Bcc: x@example.org (Modul 3)"
