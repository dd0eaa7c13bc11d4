"""The worker process (`flask --app wsgi worker`): dramatiq worker threads running the queued jobs,
and in the main thread the schedule of periodic jobs.

The schedule needs no cron and no single scheduler process: every worker looks once a second,
and for each periodic job only the worker that sets the Redis key of the current slot
(SET … NX with an expiry) queues it — with several workers, one fires each tick. A worker that
starts in the middle of a slot nobody has fired yet fires it at once."""
from __future__ import annotations

import logging
import signal
import threading

import dramatiq

from app import clock
from app.jobs.registry import PERIODIC, Job

log = logging.getLogger("app.jobs")


class Scheduler:
    def __init__(self, backend, config):
        self.backend, self.config = backend, config

    def due(self, now: float) -> list[tuple[str, int]]:
        found = []
        for periodic in PERIODIC.values():
            if periodic.when is not None and not periodic.when(self.config):
                continue
            found.append((periodic.task, int((now - periodic.offset) // periodic.every)))
        return found

    def tick(self, now: float | None = None) -> list[str]:
        """Queues the periodic jobs whose slot began and that no worker fired yet; returns their names."""
        now = clock.timestamp() if now is None else now
        fired = []
        for task, slot in self.due(now):
            every = PERIODIC[task].every
            key = f"{self.backend.namespace}:__periodic__:{task}:{slot}"
            if self.backend.client.set(key, str(now), nx=True, ex=int(every) + 60):
                self.backend.send_all([Job(task)])
                fired.append(task)
        return fired


def run_worker(app, threads: int | None = None, schedule: bool | None = None) -> None:
    """Runs until SIGTERM or SIGINT; then finishes the jobs in hand (up to 30 s) and stops."""
    from app.jobs import backend_for

    backend = backend_for(app)
    if backend is None:
        raise RuntimeError("no job queue configured: set REDIS_URL (or JOBS_REDIS_URL)")
    dramatiq.set_broker(backend.broker)
    worker = dramatiq.Worker(backend.broker, worker_threads=threads or app.config["JOBS_WORKER_THREADS"], worker_timeout=250)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler = Scheduler(backend, app.config) if (app.config["JOBS_SCHEDULER"] if schedule is None else schedule) else None
    worker.start()
    log.info("worker started: %s threads, queue %s:%s, schedule %s", worker.worker_threads, backend.namespace, "jobs",
             "on" if scheduler else "off")
    try:
        while not stop.is_set():
            if scheduler is not None:
                try:
                    for task in scheduler.tick():
                        log.info("periodic job %s queued", task)
                except Exception:  # Redis away for a moment: the next tick tries again
                    log.exception("scheduler tick failed")
            stop.wait(1.0)
    finally:
        log.info("worker stopping")
        worker.stop(timeout=30_000)
