"""flask --app wsgi reporting check-facts / rebuild-facts: the stored reporting rows against
their sources (see app.reporting.facts)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("reporting", help="The agency's stored figures: compare with their sources, rebuild.")


@cli.command("check-facts")
@click.option("--show", default=20, show_default=True, help="How many differences to print.")
def check_facts_command(show: int) -> None:
    """Compare enrolment_facts with a full recomputation; exit 1 on any difference."""
    from app.extensions import db
    from app.reporting import facts

    problems = facts.check(db.session.connection())
    db.session.rollback()
    for line in problems[:show]:
        click.echo(line)
    if problems:
        raise click.ClickException(f"{len(problems)} enrolment(s) differ; `flask --app wsgi reporting rebuild-facts` repairs them")
    click.echo("enrolment_facts matches its sources")


@cli.command("rebuild-facts")
def rebuild_facts_command() -> None:
    """Recompute enrolment_facts from the source tables (after a restore or manual SQL)."""
    from app.extensions import db
    from app.reporting import facts

    rows = facts.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"enrolment_facts rebuilt: {rows} row(s)")
