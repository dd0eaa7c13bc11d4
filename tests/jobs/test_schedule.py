"""The periodic jobs: with several workers, only one queues a job per tick (a Redis key per slot)."""
from __future__ import annotations

from app.jobs import PERIODIC
from app.jobs.worker import Scheduler


def _queued(backend) -> list[str]:
    import dramatiq

    return sorted(dramatiq.Message.decode(body).args[0] for body in backend.client.hvals(f"{backend.namespace}:jobs.msgs"))


def test_two_workers_fire_each_periodic_job_once_per_slot(queue_app):
    backend = queue_app.extensions["scc_jobs"]
    one, two = Scheduler(backend, queue_app.config), Scheduler(backend, queue_app.config)
    now = 1_800_000_000.0  # a fixed moment: slots are counted from the epoch
    fired = one.tick(now) + two.tick(now + 0.5)
    assert {"assignments.cleanup_files", "assignments.due_reminders", "mail.deliver", "privacy.purge_tokens"} <= set(fired)
    assert "assignments.digest" not in fired and len(fired) == len(set(fired))  # digest: TRAINER_NOTIFICATIONS=immediate
    assert _queued(backend) == sorted(fired)
    assert one.tick(now + 1) == [] and two.tick(now + 2) == []  # the same slot: nobody fires again
    assert two.tick(now + PERIODIC["mail.deliver"].every) == ["mail.deliver"]  # the next slot of the 5-minute job
    assert one.tick(now + PERIODIC["mail.deliver"].every + 1) == []


def test_due_reminders_run_only_when_switched_on(queue_app):
    backend = queue_app.extensions["scc_jobs"]
    queue_app.config["DUE_REMINDERS"] = False
    assert "assignments.due_reminders" not in Scheduler(backend, queue_app.config).tick(1_800_000_000.0)


def test_the_digest_runs_only_when_trainers_chose_it(queue_app):
    backend = queue_app.extensions["scc_jobs"]
    queue_app.config["TRAINER_NOTIFICATIONS"] = "digest"
    assert "assignments.digest" in Scheduler(backend, queue_app.config).tick(1_800_000_000.0)
