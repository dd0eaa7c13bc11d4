"""Outgoing mail: recorded with the action (queue_mail), delivered after the commit by the job
"mail.deliver" (deliver_pending) — in-process after the response, or by a worker (app/jobs).

Delivery goes through the configured transport (transports.py: SMTP, or .eml files in MAIL_DIR
so a developer can read e.g. a password-reset link). Failed deliveries stay queued for the next
run (the worker's schedule, or `flask --app wsgi mail deliver` from cron).

The outbox rows are the source of truth; a job only delivers them. Each row is claimed before it
is sent (claim_next: an atomic UPDATE … WHERE unclaimed or the claim expired), so two deliverers
never send the same row, and no database transaction is open while the mail server talks (on
SQLite that would hold the write lock for every request). Every row keeps one Message-ID.

The window no claim closes: the mail server has accepted a message and the deliverer dies before
it records `sent_at`. The claim expires (MAIL_CLAIM_SECONDS) and the row is sent again, with the
same Message-ID, so the receiving side can recognise the duplicate."""
from __future__ import annotations

import secrets
import smtplib
from datetime import timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Callable

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from app import clock, jobs
from app.db import keep_loaded_on_commit
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
    jobs.enqueue_once("mail.deliver")  # once the transaction commits; one job delivers every row it finds
    return mail


def message_id(mail: OutgoingMail) -> str:
    """The same Message-ID on every attempt to send this row: a copy sent twice (see the module
    docstring) is recognisable as the same message."""
    domain = parseaddr(current_app.config["MAIL_SENDER"])[1].rpartition("@")[2] or "smart-city-campus"
    return f"<outbox.{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"


def build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(mail)
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


def _deliverable(now):
    return and_(
        OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS,
        or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
    )


def claim_next(after_id: int = 0) -> tuple[int, str] | None:
    """Claims the oldest deliverable row with an id above `after_id` for this deliverer; returns
    (id, claim token), or None when there is none. Commits: the claim is visible to every other
    deliverer before anything is sent. A row another deliverer claims first is skipped."""
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    while True:
        now = clock.now()
        mail_id = db.session.scalar(
            select(OutgoingMail.id).where(_deliverable(now), OutgoingMail.id > after_id).order_by(OutgoingMail.id).limit(1)
        )
        if mail_id is None:
            db.session.commit()
            return None
        token = secrets.token_hex(16)
        claimed = db.session.execute(
            update(OutgoingMail).where(OutgoingMail.id == mail_id, _deliverable(now))
            .values(claimed_until=now + lease, claim_token=token).execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed == 1:
            return mail_id, token


def claims_elsewhere():
    """When the first live claim of another deliverer on an undelivered row ends (it may still be
    sending that row); None if there is none."""
    return db.session.scalar(
        select(func.min(OutgoingMail.claimed_until)).where(
            OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS, OutgoingMail.claimed_until >= clock.now()
        )
    )


def _commit_keeping_loaded() -> None:
    """Ends the transaction without expiring the loaded rows: the send that follows must not
    reload the mail (that would open a transaction for the length of the SMTP conversation)."""
    with keep_loaded_on_commit():
        db.session.commit()


def _record(mail_id: int, token: str, **values) -> bool:
    """Writes the outcome of an attempt, only if this deliverer still holds the claim."""
    done = db.session.execute(
        update(OutgoingMail).where(OutgoingMail.id == mail_id, OutgoingMail.claim_token == token)
        .values(attempts=OutgoingMail.attempts + 1, claimed_until=None, claim_token=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done == 1


def deliver_one(mail_id: int, token: str) -> bool:
    """Sends the claimed row `mail_id`; returns whether the mail server (or MAIL_DIR) took it.

    Each mail stands on its own: whatever goes wrong with one (an unreachable server, an
    attachment that cannot be rendered, a header an old row makes invalid) is recorded on that
    mail with its attempt count, and the queue goes on with the next one."""
    try:
        mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
        message = build_message(mail)
        _commit_keeping_loaded()
        _send(message, mail)
    except Exception as exc:
        db.session.rollback()
        if isinstance(exc, (OSError, smtplib.SMTPException, AttachmentError)):
            current_app.logger.warning("mail %s not delivered: %s", mail_id, exc)
        else:
            current_app.logger.exception("mail %s cannot be sent", mail_id)
        _record(mail_id, token, last_error=f"{type(exc).__name__}: {exc}"[:1000])
        return False
    if not _record(mail_id, token, sent_at=clock.now(), last_error=None):
        # The claim expired while the server was talking and another deliverer took the row over.
        current_app.logger.warning("mail %s: claim expired during sending; it may arrive twice (same Message-ID)", mail_id)
    return True


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Delivers queued mails, oldest first, each at most once per call; returns (sent, failed).
    Rows another deliverer has claimed are left to it."""
    sent = failed = 0
    after_id = 0
    while sent + failed < limit:
        claim = claim_next(after_id)
        if claim is None:
            break
        after_id = claim[0]
        if deliver_one(*claim):
            sent += 1
        else:
            failed += 1
    return sent, failed


class MailClaimedElsewhere(jobs.RetryLater):
    """Rows are still claimed by another deliverer: look again once its claim may have expired."""


@jobs.task("mail.deliver")
def deliver_queued() -> None:
    """The job behind every queued mail, and the worker's periodic sweep: delivers what is
    deliverable; if another deliverer holds rows, asks the queue to try again later (a worker
    killed mid-send leaves its claim until MAIL_CLAIM_SECONDS have passed)."""
    deliver_pending(limit=1000)
    held_until = claims_elsewhere()
    db.session.commit()
    if held_until is not None:
        if held_until.tzinfo is None:
            held_until = held_until.replace(tzinfo=timezone.utc)
        wait = max((held_until - clock.now()).total_seconds(), 0) + 0.5
        raise MailClaimedElsewhere(f"mails claimed by another deliverer for {wait:.1f} s", delay=wait)


jobs.periodic("mail.deliver", every=300)  # retries what the mail server did not take (was: cron)
