"""`flask --app wsgi exports cleanup`: deletes prepared downloads past their expiry."""
from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("exports", help="Prepared downloads (Meine Downloads).")


@cli.command("cleanup")
def cleanup_command() -> None:
    """Delete the files of prepared downloads past EXPORT_RETENTION_HOURS (run it daily, or let
    the job scheduler run the task exports.cleanup)."""
    from app.exports.services import delete_expired

    click.echo(f"deleted {delete_expired()} expired download file(s)")
