"""Mail queue: CLI to deliver, and delivery right after a request that queued mail."""
from __future__ import annotations

import click
from flask import current_app, g
from flask.cli import AppGroup

cli = AppGroup("mail", help="Outgoing mail.")


@cli.command("deliver")
def deliver_command() -> None:
    """Deliver queued mails (run it from cron to retry failed deliveries)."""
    from app.mail.services import deliver_pending

    sent, failed = deliver_pending(limit=1000)
    click.echo(f"{sent} sent, {failed} failed")


def deliver_after_response(response):
    """Registered as after_request: hands queued mail to the SMTP server once the response is out."""
    if getattr(g, "mail_queued", False):
        app = current_app._get_current_object()

        def deliver():
            with app.app_context():
                from app.mail.services import deliver_pending

                try:
                    deliver_pending()
                except Exception:  # never let mail break a request; `mail deliver` retries
                    app.logger.exception("mail delivery after response failed")

        response.call_on_close(deliver)
    return response
