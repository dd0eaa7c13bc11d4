"""The admin page of failed background jobs: lists them, "Erneut versuchen" puts one back into
the queue (CSRF-protected, audited); only for admins."""
from __future__ import annotations

import dramatiq
import pytest
from sqlalchemy import select

from tests.jobs import tasks  # noqa: F401  (registers tests.fail_always)
from tests.jobs.conftest import wait_for


@pytest.fixture()
def redis_jobs(app, namespace):
    """The session's app with its jobs on Redis for this test (in-process again afterwards)."""
    from app.jobs.broker import RedisBackend
    from tests.jobs.conftest import REDIS_URL

    saved = {key: app.config[key] for key in ("JOBS_REDIS_URL", "JOBS_NAMESPACE", "JOBS_MAX_RETRIES")}
    app.config.update(JOBS_REDIS_URL=REDIS_URL, JOBS_NAMESPACE=namespace, JOBS_MAX_RETRIES=0)
    backend = app.extensions["scc_jobs"] = RedisBackend(app)
    yield backend
    del app.extensions["scc_jobs"]
    app.config.update(saved)


def _fail_one_job(backend) -> None:
    """A real dramatiq worker (threads in this process) runs a job that fails; no retries left."""
    backend.actor.send("tests.fail_always", ["Zeile 3"])
    worker = dramatiq.Worker(backend.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        wait_for(backend.failed, 15, "the job in the failed list")
    finally:
        worker.stop()


def test_admin_sees_a_failed_job_and_puts_it_back_into_the_queue(app, db, make, login_as, redis_jobs):
    from app.audit.models import AuditEvent

    _fail_one_job(redis_jobs)
    admin = login_as(make.user("admin"))
    page = admin.get("/admin/auftraege").get_data(as_text=True)
    assert "tests.fail_always" in page and "RuntimeError: fails on purpose: Zeile 3" in page and "Erneut versuchen" in page
    [failed] = redis_jobs.failed()

    assert admin.post("/admin/auftraege", {"job_id": failed.id}, csrf=False).status_code == 400  # no token, no retry
    assert redis_jobs.failed() != []

    response = admin.post("/admin/auftraege", {"job_id": failed.id, "submit_retry": "1"})
    assert response.status_code == 302
    assert redis_jobs.failed() == []
    assert redis_jobs.stats()["waiting"] == 1  # queued again, for the next worker
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job_retried"))
    assert event.actor_id == admin_id(db, admin) and event.object_id == "tests.fail_always"

    again = admin.post("/admin/auftraege", {"job_id": failed.id, "submit_retry": "1"}, follow_redirects=True)
    assert "nicht mehr in der Liste" in again.get_data(as_text=True)
    assert redis_jobs.stats()["waiting"] == 1  # not queued twice


def admin_id(db, browser) -> int:
    from app.accounts.models import Role, User

    return db.session.scalar(select(User.id).where(User.role == Role.ADMIN).order_by(User.id.desc()).limit(1))


def test_only_admins_see_the_page(app, db, make, login_as):
    assert login_as(make.user("trainer")).get("/admin/auftraege").status_code == 403


def test_without_redis_the_page_says_where_jobs_run(app, db, make, login_as):
    page = login_as(make.user("admin")).get("/admin/auftraege").get_data(as_text=True)
    assert "im Webserver" in page and "Erneut versuchen" not in page


def test_metrics_show_the_queue_and_the_failed_job(app, db, client, redis_jobs):
    _fail_one_job(redis_jobs)
    redis_jobs.actor.send("tests.fail_always", ["wartet"])  # no worker runs now: it waits
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert "scc_jobs_redis_up 1.0" in text
    assert 'scc_jobs_queued{state="waiting"} 1.0' in text
    assert "scc_jobs_failed 1.0" in text
    assert 'scc_jobs_runs_total{outcome="failed",task="tests.fail_always"} 1.0' in text
