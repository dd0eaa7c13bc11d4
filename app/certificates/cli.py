from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

cli = AppGroup("certificates", help="Issued certificates.")


@cli.command("render")
@click.argument("number")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True)
def render_command(number: str, output: Path) -> None:
    """Render the issued certificate NUMBER to a PDF file."""
    from app.certificates.models import Certificate
    from app.certificates.pdf import render_certificate
    from app.extensions import db

    certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        click.echo(f"no certificate {number}", err=True)
        sys.exit(1)
    output.write_bytes(render_certificate(certificate.data, current_app.config["CERTIFICATE_DESIGNS_DIR"]))
    click.echo(f"{output} written")
