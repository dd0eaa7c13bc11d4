from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

cli = AppGroup("courses", help="Validate and import the Markdown courses.")


def _print_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")


@cli.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default="courses")
def validate_command(path: Path) -> None:
    """Check every course under PATH; print problems as file:line: message."""
    from app.catalogue.services import validate_path

    courses, problems = validate_path(path)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(courses)} course(s) valid, {errors} error(s), {warnings} warning(s)")
    sys.exit(1 if errors else 0)


@cli.command("import")
@click.argument("path", type=click.Path(path_type=Path), default="courses")
def import_command(path: Path) -> None:
    """Validate, then sync every course under PATH into the database."""
    from app.catalogue.services import import_path
    from app.extensions import db

    started = time.perf_counter()
    reports, problems = import_path(path)
    _print_problems(problems)
    if any(p.severity == "error" for p in problems):
        db.session.rollback()
        click.echo("nothing imported: fix the errors above", err=True)
        sys.exit(1)
    db.session.commit()
    for report in reports:
        click.echo(str(report))
    click.echo(f"imported in {time.perf_counter() - started:.2f} s")
