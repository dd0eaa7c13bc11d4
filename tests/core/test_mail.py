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
