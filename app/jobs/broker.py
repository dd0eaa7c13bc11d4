"""The Redis job queue behind app.jobs: dramatiq with its Redis broker.

Why dramatiq and not rq (measured on this machine, docs/performance.md "Job queue"):
- throughput: one dramatiq worker process with threads ran about 2,000 no-op jobs/s; rq's
  default worker forks a process per job (about 50/s), its SimpleWorker about 240/s;
- a worker killed with SIGKILL: dramatiq's broker takes back the jobs the dead worker had
  fetched and not acknowledged once its heartbeat is JOBS_HEARTBEAT_SECONDS old, and any live
  worker runs them again; rq 3 moves them to its failed registry or retries them only after the
  job's heartbeat TTL (its monitoring interval plus a fixed 60 s) and its next maintenance run;
- retries with exponential backoff (Retries middleware) and a dead-letter set per queue, which
  is our failed list; keys under a namespace of our choice (JOBS_NAMESPACE), so several
  installations and test runs share one Redis without meeting.
What dramatiq lacks we add here in a few lines: the periodic jobs (app/jobs/worker.py, a Redis
lock per tick) and reading and requeueing the failed list (for the admin page).

Every task goes through one actor, "scc_job", with the arguments (task name, [args]); a task
runs inside an application context of its own."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, Callbacks, Middleware, Pipelines, Retries, ShutdownNotifications, TimeLimit

from app.jobs.registry import Job, RetryLater, run

QUEUE = "jobs"
ACTOR = "scc_job"
log = logging.getLogger("app.jobs")


@dataclass(frozen=True)
class FailedJob:
    id: str
    task: str
    args: list
    error: str
    failed_at: datetime
    attempts: int


class _Outcomes(Middleware):
    """Counts each run's outcome per task in one Redis hash (the /metrics counters), and keeps
    the error of a job's last run when the job goes to the failed list. First in the middleware
    list, so it runs after Retries has decided (dramatiq calls the "after" hooks in reverse)."""

    def __init__(self, key: str, errors_key: str):
        self.key, self.errors_key = key, errors_key

    def after_process_message(self, broker, message, *, result=None, exception=None):
        task = str(message.args[0]) if message.args else "?"
        if exception is None:
            outcome = "processed"
        elif isinstance(exception, dramatiq.Retry):
            outcome = "postponed"
        else:
            outcome = "failed"
        try:
            broker.client.hincrby(self.key, f"{outcome}:{task}", 1)
            if exception is not None and message.failed:  # retries used up: into the failed list
                broker.client.hset(self.errors_key, message.options["redis_message_id"],
                                   f"{type(exception).__name__}: {exception}"[:1000])
        except Exception:  # a counter must never decide a job's fate
            log.exception("cannot count the outcome of job %s", task)

    def after_skip_message(self, broker, message):
        self.after_process_message(broker, message, exception=RuntimeError("skipped (too old)"))


class RedisBackend:
    def __init__(self, app):
        config = app.config
        self.app = app
        self.namespace = config["JOBS_NAMESPACE"]
        self.stats_key = f"{self.namespace}:__stats__"
        self.errors_key = f"{self.namespace}:__failed_errors__"
        self.broker = RedisBroker(
            # Timeouts: a scrape of /metrics or a request's commit must not hang on an unreachable Redis
            client=redis.Redis.from_url(config["JOBS_REDIS_URL"], socket_connect_timeout=5, socket_timeout=15),
            namespace=self.namespace,
            heartbeat_timeout=int(config["JOBS_HEARTBEAT_SECONDS"] * 1000),
            maintenance_chance=config["JOBS_MAINTENANCE_PER_MILLION"],
            middleware=[
                _Outcomes(self.stats_key, self.errors_key),
                AgeLimit(), TimeLimit(time_limit=int(config["JOBS_TIME_LIMIT_SECONDS"] * 1000)), ShutdownNotifications(), Callbacks(), Pipelines(),
                Retries(max_retries=config["JOBS_MAX_RETRIES"], min_backoff=int(config["JOBS_MIN_BACKOFF_SECONDS"] * 1000),
                        max_backoff=int(config["JOBS_MAX_BACKOFF_SECONDS"] * 1000)),
            ],
        )
        self.client = self.broker.client
        self.actor = dramatiq.actor(self._perform, actor_name=ACTOR, queue_name=QUEUE, broker=self.broker)

    def _perform(self, name: str, args: list) -> None:
        with self.app.app_context():
            try:
                run(Job(name, tuple(args)))
            except RetryLater as exc:
                raise dramatiq.Retry(str(exc), delay=int(exc.delay * 1000) if exc.delay else None) from exc

    def send_all(self, jobs: list[Job]) -> None:
        """Pushes committed jobs to Redis. If Redis cannot be reached the job is lost, and logged:
        a task's own records (an unsent outbox row, an export still "wird erstellt") say what is
        left, and the periodic jobs pick it up (mail) — see docs/deployment.md."""
        for job in jobs:
            try:
                self.actor.send(job.name, list(job.args))
            except Exception:
                log.exception("job %s%r could not be queued in Redis", job.name, job.args)

    # -- what the admin page and /metrics read -------------------------------------------------

    @property
    def _dead(self) -> str:
        return f"{self.namespace}:{QUEUE}.XQ"

    def failed(self, limit: int = 200) -> list[FailedJob]:
        """The failed list, newest first: jobs whose retries are used up (kept for 7 days)."""
        entries = self.client.zrevrange(self._dead, 0, limit - 1, withscores=True)
        if not entries:
            return []
        ids = [message_id for message_id, _score in entries]
        bodies = self.client.hmget(self._dead + ".msgs", ids)
        errors = self.client.hmget(self.errors_key, ids)
        return [_failed_job(message_id, score, body, error)
                for (message_id, score), body, error in zip(entries, bodies, errors) if body is not None]

    def requeue(self, failed_id: str) -> FailedJob | None:
        """Takes the job out of the failed list and queues it again with fresh retries; None if it
        is no longer there (someone else requeued it, or it expired)."""
        score = self.client.zscore(self._dead, failed_id)
        body = self.client.hget(self._dead + ".msgs", failed_id)
        if score is None or body is None:
            return None
        job = _failed_job(failed_id, score, body, self.client.hget(self.errors_key, failed_id))
        if self.client.zrem(self._dead, failed_id) != 1:
            return None  # only the one who removed it queues it again
        self.client.hdel(self._dead + ".msgs", failed_id)
        self.client.hdel(self.errors_key, failed_id)
        self.actor.send(job.task, job.args)
        return job

    def stats(self) -> dict:
        """Jobs waiting, running, waiting for a retry, failed; outcome counters per task."""
        queue = f"{self.namespace}:{QUEUE}"
        with self.client.pipeline(transaction=False) as pipe:
            pipe.llen(queue).hlen(queue + ".msgs").hlen(f"{self.namespace}:{QUEUE}.DQ.msgs").zcard(self._dead).hgetall(self.stats_key)
            waiting, fetched, delayed, failed, counters = pipe.execute()
        outcomes: dict[tuple[str, str], int] = {}
        for field, value in counters.items():
            outcome, _colon, task = field.decode().partition(":")
            outcomes[(outcome, task)] = int(value)
        return {"waiting": waiting, "running": max(fetched - waiting, 0), "delayed": delayed, "failed": failed, "outcomes": outcomes}


def _failed_job(message_id, score: float, body: bytes, error: bytes | None) -> FailedJob:
    message = dramatiq.Message.decode(body)
    return FailedJob(
        id=message_id.decode() if isinstance(message_id, bytes) else message_id,
        task=str(message.args[0]) if message.args else "?",
        args=list(message.args[1]) if len(message.args) > 1 else [],
        error=error.decode() if error else "",
        failed_at=datetime.fromtimestamp(score / 1000, timezone.utc),
        attempts=int(message.options.get("retries", 0)) + 1,  # the message kept is the last retry as queued
    )


def describe(job: FailedJob) -> str:
    return f"{job.task}({', '.join(json.dumps(arg, ensure_ascii=False) for arg in job.args)})"
