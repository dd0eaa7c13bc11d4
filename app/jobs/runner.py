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
what is queued, for up to JOBS_DRAIN_SECONDS; what it cannot finish stays recoverable as every
task's own records are (the mail outbox is swept by `flask mail deliver`, see docs/deployment.md)."""
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
        atexit.register(self.drain, lambda: app.config.get("JOBS_DRAIN_SECONDS", 30))

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
            try:
                with self.app.app_context():
                    self.run_jobs(jobs)
            finally:
                with self.changed:
                    self.unfinished -= 1
                    self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once every submitted job has run, False after `timeout` seconds (for tests)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.unfinished == 0, timeout)

    def drain(self, seconds) -> None:
        thread = self.thread
        if thread is None or not thread.is_alive():
            return
        self.queue.put(_STOP)
        thread.join(seconds() if callable(seconds) else seconds)
