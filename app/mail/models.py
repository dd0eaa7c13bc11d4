from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db


class OutgoingMail(db.Model):
    """A message recorded in the transaction of the action that causes it and delivered after
    commit, with retries: a slow mail server never blocks a click, a rolled-back action sends nothing."""

    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # References to attachments, rendered when the mail is sent (e.g. [{"kind": "certificate",
    # "id": 7}]): the queue stays small and a document is never stored twice.
    attachments: Mapped[list | None] = mapped_column(JSON)
    # A deliverer claims the row before sending (app/mail/services.py, claim_next): until
    # claimed_until nobody else sends it; only the claim_token's holder marks it sent.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
