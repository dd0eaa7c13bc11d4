"""The contract every mail transport keeps (app/mail/transports.py), run against each of them:
SMTP against a real aiosmtpd server on 127.0.0.1, the directory by reading the .eml file back."""
from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest

from app.mail.models import OutgoingMail
from app.mail.services import deliver_pending
from app.mail.transports import DeliveryError, DirectoryTransport, SmtpTransport, transport_from_config
from tests.conftest import _SMTPHandler
from tests.ports import free_port

PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n"  # every byte value: no text mangling allowed


class _Smtp:
    name = "smtp"

    def __init__(self, tmp_path: Path):
        from aiosmtpd.controller import Controller

        self.handler = _SMTPHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())
        self.controller.start()

    def settings(self) -> dict:
        return {"MAIL_TRANSPORT": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.controller.port}

    def broken_settings(self) -> dict:
        return {**self.settings(), "MAIL_PORT": free_port()}  # nobody listens there

    def received(self) -> list:
        return [m["message"] for m in self.handler.messages]

    def close(self) -> None:
        self.controller.stop()


class _Directory:
    name = "directory"

    def __init__(self, tmp_path: Path):
        self.folder = tmp_path / "mail"
        self.tmp_path = tmp_path

    def settings(self) -> dict:
        return {"MAIL_TRANSPORT": "directory", "MAIL_SERVER": None, "MAIL_DIR": str(self.folder)}

    def broken_settings(self) -> dict:
        blocker = self.tmp_path / "not-a-folder"
        blocker.write_text("a file where the mail folder should be")
        return {**self.settings(), "MAIL_DIR": str(blocker / "mail")}

    def received(self) -> list:
        files = sorted(self.folder.glob("*.eml")) if self.folder.exists() else []
        return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in files]

    def close(self) -> None:
        pass


@pytest.fixture(params=[_Smtp, _Directory], ids=["smtp", "directory"])
def backend(request, tmp_path):
    backend = request.param(tmp_path)
    yield backend
    backend.close()


@pytest.fixture()
def configured(app, backend):
    """The app configured with the backend's settings for the test; restored afterwards."""
    saved = {key: app.config.get(key) for key in ("MAIL_TRANSPORT", "MAIL_SERVER", "MAIL_PORT", "MAIL_DIR")}

    def configure(settings: dict) -> None:
        app.config.update(settings)

    yield configure
    app.config.update(saved)


def _text(part) -> str:
    """A text part's content; SMTP carries lines ending in CRLF, which a mailbox stores as lines."""
    return part.get_content().replace("\r\n", "\n")


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Smart City Campus <no-reply@campus.test>"
    message["To"] = "jürgen.größe@example.net"
    message["Subject"] = "Ihr Zertifikat „Datenräume für Kommunen“ – Glückwunsch"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="smart-city-campus")
    message["X-Campus-Test"] = "Vertrag"
    message.set_content("Guten Tag Jürgen,\n\nÜbung macht den Meister: ß, €, 東京, 🚲.\n")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Zertifikat Größe.pdf")
    return message


def test_a_message_arrives_complete(backend):
    sent = _message()
    transport_from_config(backend.settings()).send(sent, 7)
    [received] = backend.received()
    for header in ("From", "To", "Subject", "Date", "Message-ID", "X-Campus-Test"):
        assert received[header] == sent[header], header
    assert _text(received.get_body(("plain",))) == "Guten Tag Jürgen,\n\nÜbung macht den Meister: ß, €, 東京, 🚲.\n"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "Zertifikat Größe.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF


def test_messages_arrive_in_the_order_they_were_sent(backend):
    transport = transport_from_config(backend.settings())
    for number in range(1, 4):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@campus.test", "b@example.net", f"Nummer {number}"
        message.set_content("Text")
        transport.send(message, number)
    assert [m["Subject"] for m in backend.received()] == ["Nummer 1", "Nummer 2", "Nummer 3"]


def test_a_failed_hand_over_is_a_delivery_error(backend):
    with pytest.raises(DeliveryError) as failure:
        transport_from_config(backend.broken_settings()).send(_message(), 7)
    assert isinstance(failure.value.__cause__, OSError)
    assert type(failure.value.__cause__).__name__ in str(failure.value)  # the cause is named
    assert backend.received() == []


def test_deliver_pending_records_the_failure_and_keeps_the_mail(app, db, backend, configured):
    configured(backend.broken_settings())
    with app.test_request_context():
        mail = OutgoingMail(recipient="lena@example.net", subject="Grüße", body="Hallo Lena")
        db.session.add(mail)
        db.session.commit()
        assert deliver_pending() == (0, 1)
        db.session.refresh(mail)
        assert mail.sent_at is None and mail.attempts == 1
        assert mail.last_error.startswith("DeliveryError: ")
        configured(backend.settings())
        assert deliver_pending() == (1, 0)
        db.session.refresh(mail)
        assert mail.sent_at is not None and mail.last_error is None
    [received] = backend.received()
    assert received["To"] == "lena@example.net" and received["Subject"] == "Grüße"
    assert _text(received) == "Hallo Lena\n"


def test_configuration_chooses_the_transport(tmp_path):
    assert isinstance(transport_from_config({"MAIL_SERVER": "mail.internal", "MAIL_DIR": "x"}), SmtpTransport)
    assert isinstance(transport_from_config({"MAIL_SERVER": None, "MAIL_DIR": str(tmp_path)}), DirectoryTransport)
    # an explicit choice wins over the presence of MAIL_SERVER
    chosen = transport_from_config({"MAIL_TRANSPORT": "directory", "MAIL_SERVER": "mail.internal", "MAIL_DIR": str(tmp_path)})
    assert isinstance(chosen, DirectoryTransport)
    with pytest.raises(ValueError, match="MAIL_TRANSPORT"):
        transport_from_config({"MAIL_TRANSPORT": "pigeon"})
    with pytest.raises(ValueError, match="MAIL_SERVER"):
        transport_from_config({"MAIL_TRANSPORT": "smtp"})


def test_an_unknown_transport_stops_the_app_at_start(tmp_path):
    from app import create_app
    from app.config import ConfigError, TestConfig

    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}", MAIL_TRANSPORT="pigeon")
    with pytest.raises(ConfigError, match="MAIL_TRANSPORT"):
        create_app(settings)
