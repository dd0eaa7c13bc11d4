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


# The runner thread (JOBS_IN_PROCESS_THREAD, on outside the test client's tests): a request's
# jobs run once the request is done, whatever the server does with the connection afterwards.

def _served_app(tmp_path, request):
    import threading

    from werkzeug.serving import make_server

    from app import create_app
    from app.config import TestConfig
    from tests.conftest import worker_id
    from tests.databases import fresh_database

    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=fresh_database(tmp_path, f"runner_{worker_id(request)}"), SERVER_NAME=None,
                    TESTING=False, JOBS_IN_PROCESS_THREAD=True)
    app = create_app(settings)

    @app.get("/test-enqueue/<int:value>")
    def enqueue_view(value):
        jobs.enqueue("tests.record_thread", value)
        if value == 13:
            jobs.enqueue("tests.fail_in_thread")
        db.session.commit()
        return "queued"

    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


@jobs.task("tests.record_thread")
def record_thread(value) -> None:
    import threading

    RAN.append((value, threading.current_thread().name))


@jobs.task("tests.fail_in_thread")
def fail_in_thread() -> None:
    raise RuntimeError("fails on purpose")


def test_jobs_run_while_the_client_still_holds_the_connection(tmp_path, request):
    """Werkzeug's development server (`make run`) drains a connection before it closes the
    response; a client that sends more and keeps the socket open held the old close()-bound jobs
    for as long as it liked. The runner does not wait for that."""
    import socket
    import time

    app, server = _served_app(tmp_path, request)
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as client:
            client.sendall(b"GET /test-enqueue/12 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while not answer.endswith(b"queued"):
                answer += client.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200")
            client.sendall(b"X-Still: here\r\n")  # more on the connection, which stays open
            deadline = time.monotonic() + 5
            while not RAN and time.monotonic() < deadline:
                time.sleep(0.02)
            assert RAN == [(12, "scc-jobs-in-process")], "the job waited for the client to let go"
    finally:
        server.shutdown()


def test_the_runner_goes_on_after_a_failing_job_and_keeps_the_order(tmp_path, request, caplog):
    import urllib.request

    app, server = _served_app(tmp_path, request)
    try:
        for value in (13, 14, 15):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/test-enqueue/{value}", timeout=10) as answer:
                assert answer.read() == b"queued"
        assert app.extensions["scc_jobs_runner"].wait_idle(10)
        assert [value for value, _thread in RAN] == [13, 14, 15]
        assert {thread for _value, thread in RAN} == {"scc-jobs-in-process"}  # one thread, not the requests' 
        assert "tests.fail_in_thread" in caplog.text
    finally:
        server.shutdown()


def test_the_test_client_leaves_jobs_to_the_test(app, client):
    assert "scc_jobs_runner" not in app.extensions  # TestConfig: JOBS_IN_PROCESS_THREAD off


def test_the_runner_thread_outlives_a_broken_batch_and_exit_runs_what_is_left(app, caplog):
    from app.jobs.runner import Runner

    ran = []

    def run_jobs(batch):
        if batch == ["broken"]:
            raise RuntimeError("the application context failed")
        ran.extend(batch)

    runner = Runner(app, run_jobs)
    runner.submit(["broken"])
    runner.submit(["a"])
    assert runner.wait_idle(5) and ran == ["a"]
    assert "the application context failed" in caplog.text
    thread = runner.thread
    runner.submit(["b"])
    assert runner.wait_idle(5) and ran == ["a", "b"] and runner.thread is thread  # the same thread went on

    stopped = Runner(app, run_jobs)  # at exit with no live thread (as after a fork): the queue runs here
    stopped.queue.put(["c"])
    stopped.unfinished = 1
    stopped.drain(1)
    assert ran == ["a", "b", "c"]
