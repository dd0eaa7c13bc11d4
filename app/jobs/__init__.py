"""Background work: tasks registered by name and run after the transaction that asked for them
commits.

    from app import jobs

    @jobs.task("exports.build")
    def build_export(export_id: int) -> None: ...

    jobs.enqueue("exports.build", export.id)   # in the transaction that created the export row

A task takes JSON-serialisable arguments (ids, strings, numbers) and runs inside an application
context with its own session; it commits its own work. It must be safe to run twice: a queue
retries a job whose worker died halfway, so a task claims its work in the database (an outbox
row, an export row) and a second run finds nothing left to do.

Where a task runs is the backend's business:
- in-process by default, so `make run` needs nothing more — inside a request, on the process's
  runner thread once the request is done (app/jobs/runner.py), and outside one (CLI commands, tests) when the code calls `run_committed()` or the application
  context ends;
- on a Redis queue (dramatiq, app/jobs/broker.py) when REDIS_URL (or JOBS_REDIS_URL) is set:
  pushed to Redis after the commit, run by `flask --app wsgi worker` processes, retried with
  backoff, and after JOBS_MAX_RETRIES failures kept in the failed list (admin page "Hintergrundaufträge").
A job enqueued in a transaction that rolls back never runs.

A task that finds its work held by someone else raises RetryLater: the queue tries again later
(in-process, the job ends quietly; whoever holds the work finishes it).
"""
from __future__ import annotations

import json

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.jobs.registry import PERIODIC, TASKS, Job, Periodic, RetryLater, periodic, run, task  # noqa: F401  (the API)

_PENDING = "scc_jobs_pending"


def enqueue(name: str, *args) -> Job:
    """Runs the task `name` with `args` once the current transaction commits."""
    if name not in TASKS:
        raise KeyError(f"no task {name!r} is registered")
    json.dumps(args)  # fails here, in the caller, for an argument no queue could carry
    from app.extensions import db

    job = Job(name, tuple(args))
    session = db.session()
    if session.get_transaction() is None:
        session.connection()  # begins the transaction the job belongs to (its rollback drops it)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((job, transaction))
    return job


def enqueue_once(name: str, *args) -> Job:
    """Like enqueue, unless the same job already waits for the current transaction's commit
    (a request that queues ten mails needs one delivery job)."""
    from app.extensions import db

    job = Job(name, tuple(args))
    for waiting, _transaction in db.session().info.get(_PENDING, ()):
        if waiting == job:
            return waiting
    return enqueue(name, *args)


def run_in_process(jobs: list[Job]) -> None:
    """Runs jobs one after another, each in an application context (and session) of its own,
    logging a failure and going on; the job's own records say what is left to retry."""
    app = current_app._get_current_object()
    for job in jobs:
        with app.app_context():
            try:
                run(job)
            except RetryLater as exc:
                app.logger.info("job %s%r left for later: %s", job.name, job.args, exc)
            except Exception:
                from app.extensions import db

                db.session.rollback()
                app.logger.exception("job %s%r failed", job.name, job.args)


def _dispatch(jobs: list[Job]) -> None:
    backend = backend_for(current_app)
    if backend is not None:
        backend.send_all(jobs)
        return
    # The session that just committed cannot run SQL inside its after_commit event: the jobs
    # wait in `g` for the end of the response, or for run_committed()/the end of the app context.
    g.setdefault("scc_jobs_committed", []).extend(jobs)


def run_committed() -> int:
    """Outside a request: runs the jobs whose transaction has committed; returns how many."""
    jobs = g.pop("scc_jobs_committed", None) or []
    if jobs:
        run_in_process(jobs)
    return len(jobs)


def run_after_response(response):
    """Registered as after_request: the jobs the request committed go to the process's runner
    thread (app/jobs/runner.py) — or, with JOBS_IN_PROCESS_THREAD off (the test client, which
    never closes a response: its tests run what they need themselves), to the response's close()."""
    jobs = g.pop("scc_jobs_committed", None)
    if jobs:
        app = current_app._get_current_object()
        runner = app.extensions.get("scc_jobs_runner")
        if runner is not None:
            runner.submit(jobs)
        else:
            def run_jobs():
                with app.app_context():
                    run_in_process(jobs)

            response.call_on_close(run_jobs)
    return response


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        _dispatch([job for job, _transaction in pending])


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    """Forgets the jobs enqueued inside the transaction (or savepoint) that was rolled back."""
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            (job, transaction) for job, transaction in pending
            if not _inside(transaction, previous_transaction)
        ]


def _inside(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _run_at_teardown(exc) -> None:
    if not has_request_context() and g.get("scc_jobs_committed"):
        run_committed()


def backend_for(app):
    """The Redis backend of `app`, or None when jobs run in-process."""
    return app.extensions.get("scc_jobs")


def init_app(app) -> None:
    if app.config.get("JOBS_REDIS_URL"):
        from app.jobs.broker import RedisBackend

        app.extensions["scc_jobs"] = RedisBackend(app)
        return
    if app.config.get("JOBS_IN_PROCESS_THREAD", True):
        from app.jobs.runner import Runner

        app.extensions["scc_jobs_runner"] = Runner(app, run_in_process)
    app.after_request(run_after_response)
    app.teardown_appcontext(_run_at_teardown)
