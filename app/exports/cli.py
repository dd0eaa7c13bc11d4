"""`flask --app wsgi exports cleanup`: deletes prepared downloads past their expiry."""
from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("exports", help="Prepared downloads (Meine Downloads).")


@cli.command("cleanup")
def cleanup_command() -> None:
    """Delete the files of prepared downloads past EXPORT_RETENTION_HOURS and ask again for builds
    that stalled (run it hourly, or let the job scheduler run the task exports.cleanup)."""
    from app.exports.services import cleanup

    deleted, requeued = cleanup()
    click.echo(f"deleted {deleted} expired download file(s); asked again for {requeued} stalled build(s)")
