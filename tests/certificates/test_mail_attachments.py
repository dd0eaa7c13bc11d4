"""Mail attachments are references rendered when the mail is sent; queue_mail stays compatible."""
from __future__ import annotations

from sqlalchemy import select

from app.mail import services as mail
from app.mail.models import OutgoingMail


def test_plain_mail_has_no_attachments(app, db):
    with app.test_request_context():
        queued = mail.queue_mail("lena@example.net", "Betreff", "Text")
        assert queued.attachments is None


def test_registered_renderer_is_called_at_send_time(app, db, smtp_server):
    calls = []

    def render(reference):
        calls.append(reference)
        return "liste.csv", "text/csv", "Name;Ort\nLena;Cottbus\n".encode()

    mail.register_attachment_renderer("test-csv", render)
    try:
        with app.test_request_context():
            mail.queue_mail("lena@example.net", "Liste", "Anbei die Liste.", attachments=[{"kind": "test-csv", "id": 1}])
            db.session.commit()
            assert calls == []  # nothing rendered while queueing
            assert mail.deliver_pending() == (1, 0)
    finally:
        mail.ATTACHMENT_RENDERERS.pop("test-csv")
    assert calls == [{"kind": "test-csv", "id": 1}]
    [attachment] = list(smtp_server.messages[0]["message"].iter_attachments())
    assert attachment.get_filename() == "liste.csv" and "Lena;Cottbus" in attachment.get_content()


def test_an_attachment_that_cannot_be_rendered_keeps_the_mail_queued(app, db, smtp_server):
    with app.test_request_context():
        queued = mail.queue_mail("lena@example.net", "Zertifikat", "Text", attachments=[{"kind": "certificate", "id": 999999}])
        db.session.commit()
        assert mail.deliver_pending() == (0, 1)
        stored = db.session.scalar(select(OutgoingMail).where(OutgoingMail.id == queued.id))
        assert stored.sent_at is None and "AttachmentError" in stored.last_error
    assert smtp_server.messages == []
