"""SQLite: a page view that writes (grading page, an overdue quiz attempt) waits for a concurrent
writer instead of failing with "database is locked" — `app.db.begin_writes`. Two real
connections to one database file; PostgreSQL needs none of this, so these tests run on SQLite."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from app.config import TestConfig


@pytest.fixture(scope="module")
def file_app(tmp_path_factory):
    from flask import jsonify

    from app import create_app
    from app.db import begin_writes
    from app.extensions import db

    tmp = tmp_path_factory.mktemp("sqlite-writes")
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'campus.sqlite3'}", MAIL_DIR=str(tmp / "mail"))
    app = create_app(settings)

    def page_view(declared: bool):
        def view():
            db.session.execute(text("SELECT count(*) FROM counter")).scalar()  # a page view reads first
            app.config["READ_DONE"].set()
            app.config["WRITER_DONE"].wait(5)  # meanwhile another request writes and commits
            if declared:
                begin_writes()
            db.session.execute(text("UPDATE counter SET n = n + 1"))
            db.session.commit()
            return jsonify(ok=True)
        return view

    app.add_url_rule("/_test/declared", "declared", page_view(True))
    app.add_url_rule("/_test/undeclared", "undeclared", page_view(False))
    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (n INTEGER)"))
        db.session.execute(text("INSERT INTO counter VALUES (0)"))
        db.session.commit()
    yield app, tmp / "campus.sqlite3"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _get_while_another_writes(app, path, database) -> int:
    app.config["READ_DONE"], app.config["WRITER_DONE"] = threading.Event(), threading.Event()

    def other_writer():
        app.config["READ_DONE"].wait(5)
        connection = sqlite3.connect(database, isolation_level=None, timeout=5)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE counter SET n = n + 100")
        connection.execute("COMMIT")
        connection.close()
        app.config["WRITER_DONE"].set()

    writer = threading.Thread(target=other_writer)
    writer.start()
    client = app.test_client()
    try:
        status = client.get(path).status_code
    finally:
        writer.join(10)
    return status


def _counter(database) -> int:
    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT n FROM counter").fetchone()[0]
    finally:
        connection.close()


def test_an_undeclared_write_after_a_read_fails_on_a_stale_snapshot(file_app):
    """The failure begin_writes prevents (so the next test can fail)."""
    app, database = file_app
    before = _counter(database)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert _get_while_another_writes(app, "/_test/undeclared", database) == 500
    assert _counter(database) == before + 100  # only the other writer's change


def test_a_declared_write_waits_and_succeeds(file_app):
    app, database = file_app
    before = _counter(database)
    started = time.perf_counter()
    assert _get_while_another_writes(app, "/_test/declared", database) == 200
    assert _counter(database) == before + 101
    assert time.perf_counter() - started < 5
