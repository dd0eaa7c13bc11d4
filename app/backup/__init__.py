"""flask --app wsgi backup create DIR / backup restore DIR"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("backup", help="Consistent backups of the database and the file store.")


def _store():
    from app.files import get_store

    return get_store()


@cli.command("create")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def create_command(target: Path) -> None:
    """Write a backup into the empty folder TARGET (safe while the app runs)."""
    from app.backup.services import BackupError, create_backup

    try:
        manifest = create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], _store(), target)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"backup written to {target}: {manifest['database']} database, {len(manifest['files']) - 1} stored file(s)")


@cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore_command(source: Path, yes: bool) -> None:
    """Replace database and file store with the backup in SOURCE (stop the app servers first)."""
    from app.backup.services import BackupError, restore_backup, verify_backup
    from app.extensions import db

    try:
        verify_backup(source)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    if not yes:
        click.confirm("This replaces the current database and files. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        manifest = restore_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], _store(), source)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"restored the backup of {manifest['created_at']}")
