"""Issue 20, item 5: the after-response mail delivery flake, at its root.

Before: every request that queued mail delivered, after its response, every unsent row — with
no claim, and on SQLite inside a write transaction (BEGIN IMMEDIATE outside a request) held for
the whole SMTP conversation. 60 concurrent password-reset requests against a mail server that
takes 100 ms per message gave 95 SMTP deliveries for 52 rows (different Message-IDs), one row
never sent (its delivery died on "database is locked" and nothing retried it before cron), and
8 requests answered 500 ("database is locked": they waited > busy_timeout behind the deliverers).
The browser journeys saw it as a mail that "now and then" did not arrive within 10 s.

Now each row is claimed by one deliverer and no transaction is open while the server talks."""
from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.conftest import free_port, worker_id
from tests.databases import fresh_database

REQUESTS = 40


class SlowServer:
    def __init__(self):
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.1)
        from email import policy
        from email.parser import BytesParser

        self.message_ids.append(str(BytesParser(policy=policy.default).parsebytes(envelope.content)["Message-ID"]))
        return "250 OK"


@pytest.fixture()
def live(request, tmp_path):
    from aiosmtpd.controller import Controller

    from app import create_app
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.config import TestConfig
    from app.extensions import db

    smtp = SlowServer()
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=fresh_database(tmp_path, f"after_response_{worker_id(request)}"), SERVER_NAME=None,
                    TESTING=False, WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                    JOBS_IN_PROCESS_THREAD=True)
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        for n in range(REQUESTS):
            create_user(f"person{n}@example.net", f"Person {n}", Role.LEARNER, "ein-sicheres-passwort")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}", smtp
    server.shutdown()
    controller.stop()
    with app.app_context():
        db.engine.dispose()


def test_concurrent_requests_deliver_each_mail_once_and_none_fails(live):
    from app.extensions import db
    from app.mail.models import OutgoingMail
    from app.mail.services import message_id
    from tests.jobs.conftest import wait_for

    app, base, smtp = live
    statuses = []

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def ask_for_reset(n):
        data = urllib.parse.urlencode({"email": f"person{n}@example.net"}).encode()
        try:
            urllib.request.build_opener(NoRedirect).open(f"{base}/passwort-vergessen", data, timeout=60)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=ask_for_reset, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * REQUESTS  # none answered 500 "database is locked"

    def rows():
        with app.app_context():
            found = db.session.scalars(select(OutgoingMail)).all()
            db.session.expunge_all()
            return found

    wait_for(lambda: len(smtp.message_ids) >= REQUESTS and all(row.sent_at for row in rows()), 30, "every mail delivered")
    found = rows()
    assert len(found) == REQUESTS
    with app.app_context():
        assert Counter(smtp.message_ids) == Counter(message_id(row) for row in found)  # each exactly once
    assert [row.attempts for row in found] == [1] * REQUESTS
