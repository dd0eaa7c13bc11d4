"""The in-process job backend: jobs run after the commit that asked for them, never after a
rollback, and a savepoint's rollback keeps the outer transaction's jobs."""
from __future__ import annotations

from app import jobs
from app.extensions import db

RAN: list[tuple] = []


@jobs.task("tests.record")
def record(*args) -> None:
    RAN.append(args)


def setup_function() -> None:
    RAN.clear()


def test_job_runs_only_after_commit(db):
    jobs.enqueue("tests.record", 1, "a")
    assert jobs.run_committed() == 0 and RAN == []
    db.session.commit()
    assert RAN == []  # not inside the commit: the session cannot run SQL there
    assert jobs.run_committed() == 1
    assert RAN == [(1, "a")]


def test_job_of_a_rolled_back_transaction_never_runs(db):
    jobs.enqueue("tests.record", 2)
    db.session.rollback()
    db.session.commit()
    assert jobs.run_committed() == 0 and RAN == []


def test_savepoint_rollback_keeps_the_outer_jobs(db):
    jobs.enqueue("tests.record", 3)
    with db.session.begin_nested() as savepoint:
        jobs.enqueue("tests.record", 4)
        savepoint.rollback()
    db.session.commit()
    jobs.run_committed()
    assert (3,) in RAN


def test_unknown_task_and_unserialisable_argument_fail_in_the_caller(db):
    import pytest

    with pytest.raises(KeyError):
        jobs.enqueue("tests.nothing")
    with pytest.raises(TypeError):
        jobs.enqueue("tests.record", object())


def test_a_failing_job_does_not_stop_the_next(db, caplog):
    @jobs.task("tests.fail")
    def fail() -> None:
        raise RuntimeError("boom")

    jobs.enqueue("tests.fail")
    jobs.enqueue("tests.record", 5)
    db.session.commit()
    jobs.run_committed()
    assert RAN == [(5,)]
    assert "tests.fail" in caplog.text


def test_enqueue_once_gives_one_job_per_transaction(db):
    jobs.enqueue_once("tests.record", 6)
    jobs.enqueue_once("tests.record", 6)
    jobs.enqueue_once("tests.record", 7)  # other arguments: another job
    db.session.commit()
    jobs.enqueue_once("tests.record", 6)  # a new transaction: a new job
    db.session.commit()
    jobs.run_committed()
    assert RAN == [(6,), (7,), (6,)]


def test_a_job_asking_to_be_retried_later_ends_quietly_in_process(db, caplog):
    import logging

    caplog.set_level(logging.INFO)
    @jobs.task("tests.later")
    def later() -> None:
        raise jobs.RetryLater("held by another runner")

    jobs.enqueue("tests.later")
    jobs.enqueue("tests.record", 8)
    db.session.commit()
    jobs.run_committed()
    assert RAN == [(8,)]
    assert "left for later: held by another runner" in caplog.text and "Traceback" not in caplog.text
