"""Mail queue: the CLI to deliver by hand or from cron. Delivery after a request is the job
"mail.deliver" (app/mail/services.py)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("mail", help="Outgoing mail.")


@cli.command("deliver")
def deliver_command() -> None:
    """Deliver queued mails (run it from cron to retry failed deliveries)."""
    from app.mail.services import deliver_pending

    sent, failed = deliver_pending(limit=1000)
    click.echo(f"{sent} sent, {failed} failed")
