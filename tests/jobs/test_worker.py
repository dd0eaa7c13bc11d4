"""The Redis queue with real worker processes: a worker SIGKILLed in the middle of a batch of
mails, a second one finishing it, every mail delivered exactly once; a job that always fails
ends in the failed list."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from app.extensions import db
from app.mail.models import OutgoingMail
from app.mail.services import message_id, queue_mail
from tests.jobs import tasks  # noqa: F401  (registers tests.fail_always in this process too)
from tests.jobs.conftest import wait_for

BATCH = 30


def _rows(app, ids):
    with app.app_context():
        rows = db.session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(ids)).order_by(OutgoingMail.id)).all()
        db.session.expunge_all()
        return rows


def test_a_worker_killed_halfway_leaves_every_mail_delivered_exactly_once(queue_app, workers, smtp):
    killed = threading.Event()
    first = None

    def kill_at_the_fifteenth(number):
        # The worker dies while the server holds the 15th message: it never hears the answer,
        # and this message counts as not accepted (the server answers nobody).
        if number == 15:
            workers.kill(first)
            killed.set()
            return "421 4.3.0 the client went away"
        return None

    smtp.on_message = kill_at_the_fifteenth
    with queue_app.app_context():
        ids = []
        for part in range(3):  # three transactions: three delivery jobs, run side by side
            mails = [queue_mail(f"person{part * 10 + n}@example.net", f"Nachricht {part * 10 + n}", "Text") for n in range(10)]
            db.session.commit()
            ids += [mail.id for mail in mails]
    # One sending thread: the kill then falls where no other send sits between the server's "250"
    # and the commit that records it — the window no claim can close (app/mail/services.py). With
    # four threads this test saw that window: one mail arrived twice, with the same Message-ID.
    first = workers.start(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, JOBS_WORKER_THREADS=1)
    wait_for(killed.is_set, 30, "the first worker reaching the 15th mail", workers)
    first.wait(timeout=10)
    assert first.returncode == -9
    half = len(smtp.accepted)
    assert 0 < half < BATCH
    workers.start(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    wait_for(lambda: all(row.sent_at for row in _rows(queue_app, ids)), 40, "every row sent", workers)

    rows = _rows(queue_app, ids)
    with queue_app.app_context():
        expected = {message_id(row) for row in rows}
    assert Counter(smtp.accepted) == Counter(expected), "each mail accepted once by the SMTP server, by Message-ID"
    assert [row.attempts for row in rows] == [1] * BATCH  # the killed send was never recorded as an attempt
    assert all(row.claimed_until is None and row.claim_token is None for row in rows)


def test_a_job_that_always_fails_ends_in_the_failed_list(queue_app, workers):
    backend = queue_app.extensions["scc_jobs"]
    with queue_app.app_context():
        from app import jobs

        jobs.enqueue("tests.fail_always", "kaputt")
        db.session.commit()
    workers.start(extra_import="tests.jobs.tasks", JOBS_MAX_RETRIES=2)
    [failed] = wait_for(backend.failed, 30, "the job in the failed list", workers)
    assert failed.task == "tests.fail_always" and failed.args == ["kaputt"]
    assert failed.error == "RuntimeError: fails on purpose: kaputt"
    assert failed.attempts == 3  # the first run and two retries
    stats = backend.stats()
    assert stats["failed"] == 1 and stats["outcomes"][("failed", "tests.fail_always")] == 3
