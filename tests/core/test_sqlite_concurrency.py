"""Concurrent writing requests on SQLite wait for each other instead of failing — also page
views that write and declare it (`app.db.begin_writes`)."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig


@pytest.fixture()
def sqlite_app(tmp_path):
    """An app on a SQLite file of its own; `config["DATABASE_FILE"]` is the file's path."""
    settings = TestConfig.settings()
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}", "WTF_CSRF_ENABLED": False,
                      "SERVER_NAME": None})
    from app.extensions import db

    with app.app_context():
        db.create_all()
    app.config["DATABASE_FILE"] = tmp_path / "c.sqlite3"
    yield app
    with app.app_context():
        db.engine.dispose()


def test_parallel_writes_all_succeed(sqlite_app):
    """Each POST reads (the user) and then writes (a mail row): the pattern that failed with a
    deferred BEGIN under concurrency."""
    from flask import request

    from app.extensions import db
    from app.mail.models import OutgoingMail

    @sqlite_app.post("/_test/write")
    def write():
        from sqlalchemy import func, select

        db.session.scalar(select(func.count()).select_from(OutgoingMail))  # read first
        db.session.add(OutgoingMail(recipient="a@example.net", subject=request.form.get("n", ""), body="x"))
        db.session.commit()
        return "ok"

    server = make_server("127.0.0.1", 0, sqlite_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    import urllib.parse
    import urllib.request

    statuses: list[int] = []

    def post(n: int) -> None:
        for i in range(10):
            data = urllib.parse.urlencode({"n": f"{n}-{i}"}).encode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/_test/write", data=data, timeout=30) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

    workers = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    server.shutdown()
    assert statuses == [200] * 80
    with sqlite_app.app_context():
        assert db.session.query(OutgoingMail).count() == 80


def _page_view_while_another_writes(app, declared: bool) -> tuple[int, int]:
    """A GET view reads, then another connection writes and commits, then the view writes. Returns
    the view's status and the counter afterwards (the other writer adds 100, the view 1)."""
    from sqlalchemy import text

    from app.db import begin_writes
    from app.extensions import db

    read_done, writer_done = threading.Event(), threading.Event()

    @app.get("/_test/page-view")
    def page_view():
        db.session.execute(text("SELECT n FROM counter")).scalar()  # a page view reads first
        read_done.set()
        writer_done.wait(5)
        if declared:
            begin_writes()
        db.session.execute(text("UPDATE counter SET n = n + 1"))
        db.session.commit()
        return "ok"

    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (n INTEGER)"))
        db.session.execute(text("INSERT INTO counter VALUES (0)"))
        db.session.commit()

    def other_writer():
        read_done.wait(5)
        connection = sqlite3.connect(app.config["DATABASE_FILE"], isolation_level=None, timeout=5)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE counter SET n = n + 100")
        connection.execute("COMMIT")
        connection.close()
        writer_done.set()

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        status = app.test_client().get("/_test/page-view").status_code
    finally:
        writer.join(10)
    connection = sqlite3.connect(app.config["DATABASE_FILE"])
    try:
        return status, connection.execute("SELECT n FROM counter").fetchone()[0]
    finally:
        connection.close()


def test_an_undeclared_write_in_a_page_view_fails_on_a_stale_snapshot(sqlite_app):
    """The failure begin_writes prevents (so the next test can fail)."""
    sqlite_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert _page_view_while_another_writes(sqlite_app, declared=False) == (500, 100)


def test_a_page_view_that_declares_its_write_waits_and_succeeds(sqlite_app):
    import time

    started = time.perf_counter()
    assert _page_view_while_another_writes(sqlite_app, declared=True) == (200, 101)
    assert time.perf_counter() - started < 5  # waited for the other writer, not for busy_timeout
