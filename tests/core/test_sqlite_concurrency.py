"""Concurrent writing requests on SQLite wait for each other instead of failing."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig


@pytest.fixture()
def sqlite_app(tmp_path):
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}", "WTF_CSRF_ENABLED": False,
                      "SERVER_NAME": None})
    from app.extensions import db

    with app.app_context():
        db.create_all()
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
