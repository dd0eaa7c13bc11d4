"""`flask --app wsgi files migrate --to s3://bucket/prefix`"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("files", help="The file store (local directory or S3).")


@cli.command("migrate")
@click.option("--to", "target_url", required=True,
              help="s3://bucket/prefix (endpoint, region, credentials from FILE_STORAGE_S3_*) or file:///folder")
def migrate_command(target_url: str) -> None:
    """Copy every stored file from the configured store to TARGET and verify each checksum.
    Run it again after an interruption; then set FILE_STORAGE_URL to the target."""
    from app.files.migrate import migrate_files
    from app.files.backends import get_store, open_store

    try:
        target = open_store(target_url, current_app.config)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--to")
    source = get_store()
    if target.check() != "ok":
        raise click.ClickException(f"{target!r} cannot be reached (bucket missing, wrong endpoint or credentials?)")
    result = migrate_files(source, target)
    for problem in result.failed:
        click.echo(f"FAILED {problem}", err=True)
    click.echo(f"{source!r} → {target!r}: {result.copied} copied and verified, {result.already_there} already there, "
               f"{len(result.failed)} failed")
    if result.failed:
        raise SystemExit(1)
