"""Outgoing mail: recorded with the action (queue_mail), delivered after the commit (deliver_pending).

Delivery goes through the configured transport (transports.py: SMTP, or .eml files in MAIL_DIR
so a developer can read e.g. a password-reset link). Failed deliveries stay queued for the next
run of `flask --app wsgi mail deliver`."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Callable

from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.db import utcnow
from app.extensions import db
from app.mail.models import OutgoingMail
from app.mail.transports import transport_from_config
from app.validators import one_line

MAX_ATTEMPTS = 8

# kind → function(reference) returning (filename, MIME type, bytes); features register theirs.
ATTACHMENT_RENDERERS: dict[str, Callable[[dict], tuple[str, str, bytes]]] = {}


class AttachmentError(Exception):
    """An attachment cannot be rendered; the mail stays queued for a retry."""


def register_attachment_renderer(kind: str, render: Callable[[dict], tuple[str, str, bytes]]) -> None:
    ATTACHMENT_RENDERERS[kind] = render


def queue_mail(recipient: str, subject: str, body: str, attachments: list[dict] | None = None) -> OutgoingMail:
    """`attachments` are references such as {"kind": "certificate", "id": 7}, rendered at send time.

    The subject is made one line of at most 300 characters here, whatever data it was built from
    (names, titles, course texts): a line break in a header would stop the mail or add a header."""
    subject = one_line(subject)[:300]
    mail = OutgoingMail(recipient=recipient, subject=subject, body=body, attachments=attachments or None)
    db.session.add(mail)
    g.mail_queued = True  # the request teardown delivers after the response
    return mail


def build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="smart-city-campus")
    message.set_content(mail.body)
    for reference in mail.attachments or []:
        render = ATTACHMENT_RENDERERS.get(reference.get("kind"))
        if render is None:
            raise AttachmentError(f"no renderer for attachment {reference!r}")
        filename, media_type, content = render(reference)
        maintype, _slash, subtype = media_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def _send(message: EmailMessage, mail: OutgoingMail) -> None:
    """Through the configured transport (transports.py); a failed hand-over raises DeliveryError."""
    transport_from_config(current_app.config).send(message, mail.id)


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Delivers queued mails; returns (sent, failed). Commits after each message.

    Each mail stands on its own: whatever goes wrong with one (an unreachable server, an
    attachment that cannot be rendered, a header an old row makes invalid) is recorded on that
    mail with its attempt count, and the queue goes on with the next one."""
    sent = failed = 0
    mails = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS)
        .order_by(OutgoingMail.id).limit(limit)
    ).all()
    for mail in mails:
        attempts = mail.attempts + 1
        try:
            _send(build_message(mail), mail)
        except Exception as exc:
            if isinstance(exc, SQLAlchemyError):
                db.session.rollback()  # e.g. an attachment query failed; the mail row reloads below
            mail.attempts = attempts
            mail.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            failed += 1
            if isinstance(exc, (OSError, smtplib.SMTPException, AttachmentError)):
                current_app.logger.warning("mail %s to %s not delivered: %s", mail.id, mail.recipient, exc)
            else:
                current_app.logger.exception("mail %s to %s cannot be sent", mail.id, mail.recipient)
        else:
            mail.attempts = attempts
            mail.sent_at = utcnow()
            mail.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed
