"""`flask --app wsgi worker`: runs queued jobs and the periodic ones (needs REDIS_URL)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Worker threads (default JOBS_WORKER_THREADS).")
@click.option("--no-schedule", is_flag=True, help="Do not fire periodic jobs from this worker.")
@with_appcontext
def worker_command(threads: int | None, no_schedule: bool) -> None:
    """Run background jobs from the Redis queue until SIGTERM (REDIS_URL or JOBS_REDIS_URL must be set)."""
    from app.jobs.worker import run_worker

    if current_app.extensions.get("scc_jobs") is None:
        raise click.ClickException("no job queue configured: set REDIS_URL (or JOBS_REDIS_URL); without it jobs run in-process")
    run_worker(current_app._get_current_object(), threads=threads, schedule=False if no_schedule else None)
