"""`flask --app wsgi assignments cleanup-files`, `... assignments digest` and `... assignments send-due-reminders`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("assignments", help="Assignment submissions: file clean-up, trainer digest, due reminders.")


@cli.command("cleanup-files")
@click.option("--min-age-minutes", default=60, show_default=True,
              help="Leave younger files alone: their database row may be about to be committed.")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def cleanup_files_command(min_age_minutes: int, dry_run: bool) -> None:
    """Remove stored files that no submission refers to (run it from cron)."""
    from app.assignments.services import remove_orphaned_files
    from app.files import StorageUnavailable, get_store

    try:
        removed = remove_orphaned_files(get_store(), min_age_seconds=min_age_minutes * 60, dry_run=dry_run)
    except StorageUnavailable as exc:
        raise click.ClickException(f"the file store cannot be reached: {exc}")
    for key in removed:
        click.echo(("would remove " if dry_run else "removed ") + key)
    click.echo(f"{len(removed)} orphaned file(s) {'found' if dry_run else 'removed'}")


@cli.command("digest")
def digest_command() -> None:
    """Mail each trainer the submissions handed in since the last digest (TRAINER_NOTIFICATIONS=digest)."""
    from app.assignments.services import send_trainer_digest
    from app.extensions import db
    from app.mail.services import deliver_pending

    count = send_trainer_digest()
    db.session.commit()
    deliver_pending(limit=1000)
    click.echo(f"{count} digest mail(s) queued")


@cli.command("send-due-reminders")
@click.option("--days", type=int, default=None, help="Remind of assignments due within this many days (default: DUE_REMINDER_DAYS).")
def send_due_reminders_command(days: int | None) -> None:
    """Mail learners whose assignment is due soon and not handed in, once each (run it hourly from cron)."""
    from flask import current_app

    from app.assignments.reminders import send_due_reminders
    from app.extensions import db
    from app.mail.services import deliver_pending

    if not current_app.config["DUE_REMINDERS"]:
        click.echo("due reminders are switched off (DUE_REMINDERS=0)")
        return
    count = send_due_reminders(days)
    db.session.commit()
    deliver_pending(limit=1000)
    click.echo(f"{count} reminder mail(s) queued")
