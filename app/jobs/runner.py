"""The in-process backend's runner: one thread per process that runs, in order, the jobs each
request committed — started when the request is done with them, not when the server closes
the response.

Why a thread and not the response's close(): Werkzeug's development server (`make run`) calls
close() only after it has drained the connection, which waits for as long as the browser keeps
sending on it (seen: more than 10 s for a password-reset mail). gunicorn closes at once, but a
job run in close() also keeps the request's worker busy — twenty certificates after an
attendance list held a sync worker for 1.4 s. Here the worker is free as soon as the response
is written, and the jobs of one process still run one after another (on SQLite, a single
writer more).

At interpreter exit (a worker restarted by gunicorn, Ctrl-C of `make run`) the runner finishes
what is queued, for up to JOBS_DRAIN_SECONDS (20, below gunicorn's graceful_timeout of 30); what
it cannot finish stays recoverable as every task's own records are (the mail outbox is swept by
`flask mail deliver`, see docs/deployment.md). This runs from atexit, after the interpreter has
stopped accepting new thread-pool work: a job that stores a file on S3 (boto3 uploads with a
thread pool) fails there and is retried as that task retries (a prepared download by
`exports cleanup`); with S3 in production, run the Redis queue."""
from __future__ import annotations

import atexit
import queue
import threading

_STOP = object()


class Runner:
    def __init__(self, app, run_jobs):
        self.app, self.run_jobs = app, run_jobs  # run_jobs(list of jobs), in an application context
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.unfinished = 0  # batches submitted and not yet run
        self.changed = threading.Condition()
        atexit.register(self.drain, lambda: app.config.get("JOBS_DRAIN_SECONDS", 20))

    def submit(self, jobs: list) -> None:
        with self.changed:
            self.unfinished += 1
            self.queue.put(jobs)
            # not alive: never started, or started in a parent process before a fork
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="scc-jobs-in-process", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while (jobs := self.queue.get()) is not _STOP:
            self._run_batch(jobs)

    def _run_batch(self, jobs: list) -> None:
        try:
            with self.app.app_context():
                self.run_jobs(jobs)  # logs each failing job and goes on
        except Exception:  # the context itself (its teardown): the thread must live on
            self.app.logger.exception("in-process jobs %r: the application context failed", jobs)
        finally:
            with self.changed:
                self.unfinished -= 1
                self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once every submitted job has run, False after `timeout` seconds (for tests)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.unfinished == 0, timeout)

    def drain(self, seconds) -> None:
        """At exit: lets the thread finish the queue for up to `seconds`; without a live thread
        (it died with the interpreter's other threads), runs what is left here."""
        thread = self.thread
        if thread is not None and thread.is_alive():
            self.queue.put(_STOP)
            thread.join(seconds() if callable(seconds) else seconds)
            return
        while True:
            try:
                jobs = self.queue.get_nowait()
            except queue.Empty:
                return
            if jobs is not _STOP:
                self._run_batch(jobs)
