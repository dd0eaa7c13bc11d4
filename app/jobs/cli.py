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
    from app.jobs import backend_for
    from app.jobs.worker import run_worker

    app = current_app._get_current_object()
    if backend_for(app) is None:
        raise click.ClickException("no job queue configured: set REDIS_URL (or JOBS_REDIS_URL); without it jobs run in-process")
    _configure_logging(app)
    run_worker(app, threads=threads, schedule=False if no_schedule else None)


def _configure_logging(app) -> None:
    """dramatiq's lines and the app's, once each, at INFO: JSON lines with LOG_FORMAT=json (as the
    app servers write them), else plain text. The app's logger keeps its own handler."""
    import logging

    from app.observability.logs import JsonFormatter

    app_logger = app.logger  # first: Flask gives it its own handler while the root has none
    handler = logging.StreamHandler()
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    if app_logger.handlers:
        app_logger.propagate = False  # "app" and "app.jobs" lines go through the app's handler only
