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


@cli.command("import-gift")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="quiz.md to write, e.g. courses/x/01-modul/quiz.md")
@click.option("--title", default=None, help="quiz title (default: the file name)")
@click.option("--force", is_flag=True, help="overwrite an existing file")
def import_gift_command(source: Path, output: Path, title: str | None, force: bool) -> None:
    """Convert a Moodle GIFT file into our quiz Markdown; reports what it cannot convert."""
    from app.catalogue.frontmatter import Problems
    from app.catalogue.frontmatter import split_front_matter
    from app.catalogue.gift import gift_to_markdown
    from app.catalogue.quizfile import parse_quiz_body

    if output.exists() and not force:
        raise click.ClickException(f"{output} exists; use --force to overwrite")
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{source} is not UTF-8 text")
    markdown, notes = gift_to_markdown(text, title or source.stem.replace("_", " "))
    for note in notes:
        click.echo(f"{source}:{note}", err=True)
    sink: list = []
    problems = Problems(sink, str(output))
    _meta, body, first = split_front_matter(markdown, problems)
    _intro, questions = parse_quiz_body(body, first, problems)
    for problem in sink:
        if problem.severity == "error":
            click.echo(str(problem), err=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown, encoding="utf-8")
    click.echo(f"{output}: {len(questions)} question(s) written, {len(notes)} note(s)")


@cli.command("export-gift")
@click.argument("quiz", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True)
def export_gift_command(quiz: Path, output: Path) -> None:
    """Write one of our quiz.md files as a Moodle GIFT file."""
    from app.catalogue.frontmatter import Problems, parse_yaml, split_front_matter
    from app.catalogue.gift import quiz_to_gift
    from app.catalogue.quizfile import parse_quiz_body

    sink: list = []
    problems = Problems(sink, str(quiz))
    source, body, first = split_front_matter(quiz.read_text(encoding="utf-8"), problems)
    meta = parse_yaml(source or "", problems, first_line=2) or {}
    _intro, questions = parse_quiz_body(body, first, problems)
    errors = [p for p in sink if p.severity == "error"]
    if errors:
        _print_problems(errors)
        sys.exit(1)
    gift, skipped = quiz_to_gift(questions, str(meta.get("title", "")) if isinstance(meta, dict) else "")
    output.write_text(gift, encoding="utf-8")
    for question_id in skipped:
        click.echo(f"{quiz}: question {question_id!r} has no GIFT equivalent and was not exported", err=True)
    click.echo(f"{output}: {len(questions) - len(skipped)} question(s) exported")
