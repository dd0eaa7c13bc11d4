"""Fixtures: app (session), db (a rolled-back transaction per test), client, login helper, factories,
and data built once per module (shared_world)."""
from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from flask.globals import _cv_app

from app import create_app
from app.config import TestConfig
from app.extensions import db as _db
from tests.databases import fresh_database
from tests.ports import free_port  # noqa: F401  (imported from here by many tests)

TEST_COURSES = Path(__file__).parent / "data" / "courses"


def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def app(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    url = fresh_database(tmp, f"unit_{worker_id(request)}")
    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=url, MAIL_DIR=str(tmp / "mail"), COURSES_DIR=str(TEST_COURSES))
    app = create_app(settings)
    with app.app_context():
        _db.create_all()
        from app.catalogue.services import import_path

        reports, problems = import_path(TEST_COURSES)
        assert not [p for p in problems if p.severity == "error"], problems
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


class _TestSession(scoped_session):
    """One session for the whole test: the app's request teardown must not close it."""

    def remove(self) -> None:
        pass

    def really_remove(self) -> None:
        super().remove()


@contextmanager
def session_on(connection):
    """The app's session bound to `connection` while the block runs: its commits become savepoints
    of whatever transaction the connection is in."""
    original = _db.session
    _db.session = _TestSession(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
    try:
        yield _db
    finally:
        _db.session.really_remove()
        _db.session = original


@pytest.fixture()
def db(app, request):
    """Each test runs inside a transaction that is rolled back afterwards; commits inside the
    app become savepoints. A test on a module's shared world (see shared_world) runs in a
    savepoint of the transaction that holds the world, rolled back just the same."""
    with app.app_context():
        shared = request.getfixturevalue("built_world") if "built_world" in request.fixturenames else None
        if shared is not None:
            connection = shared.open()
            transaction = connection.begin_nested()
        else:
            connection = _db.engine.connect()
            transaction = connection.begin()
        try:
            with session_on(connection) as db:
                yield db
        finally:
            _forget_course_content(app)
            if shared is None:
                if transaction.is_active:
                    transaction.rollback()
                connection.close()
            else:
                _drop_committed_jobs()
                if connection.get_nested_transaction() is transaction:
                    transaction.rollback()
                else:  # a session of another thread (schemathesis) left its savepoint open in ours
                    shared.close()  # all of it rolled back; the next test builds the world again


class SharedWorld:
    """A module's world, built on a connection whose transaction stays open (never committed)
    while the module's tests that use it run, and is rolled back afterwards — or as soon as a
    test that does not use it comes (its open transaction would hold SQLite's write lock, and the
    test must see the database without the world, as before); the next test that uses it again
    builds it again. At most one is open per process."""

    open_now: "SharedWorld | None" = None

    def __init__(self, app, build, needed: dict):
        self.app, self.build, self.needed = app, build, needed
        self.connection = self.transaction = None
        self.references, self.counter = None, 0

    def open(self):
        if self.connection is None:
            SharedWorld.close_any()
            with self.app.app_context():
                connection = _db.engine.connect()
            transaction = connection.begin()
            try:
                with self.app.app_context(), session_on(connection) as db:
                    try:
                        make = Factory(db)
                        world = self.build(db, make, **self.needed)
                        db.session.commit()
                        self.references, self.counter = _references(world), make.counter
                    finally:
                        _drop_committed_jobs()
            except BaseException:
                transaction.rollback()
                connection.close()
                raise
            self.connection, self.transaction = connection, transaction
            SharedWorld.open_now = self
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            if self.transaction.is_active:
                self.transaction.rollback()
            self.connection.close()
            self.connection = self.transaction = None
            if SharedWorld.open_now is self:
                SharedWorld.open_now = None

    @classmethod
    def close_any(cls) -> None:
        if cls.open_now is not None:
            cls.open_now.close()


def _forget_course_content(app) -> None:
    """The per-process copies of course content, kept by course version (app.learning.outline and
    .fragments): an import always gives the course a new version, but tests rewrite content rows by
    hand (an assignment's settings, a quiz's time limit) and roll them back afterwards."""
    from app.learning import outline

    outline.clear()
    for name in ("lesson_parts", "assignment_parts"):
        app.extensions.pop(name, None)


def _drop_committed_jobs() -> None:
    """The jobs committed inside a transaction that is rolled back, which the app context would
    run as it ends (app/jobs: its mails). A test on its own transaction runs them after the
    rollback, where they find nothing to do; under a shared world's transaction, still open, they
    would wait for SQLite's write lock instead. Dropped, they do the same nothing."""
    from flask import g

    g.pop("scc_jobs_committed", None)


@pytest.fixture(autouse=True)
def _no_shared_world_unless_used(request):
    if "built_world" not in request.fixturenames:
        SharedWorld.close_any()


def shared_world(build, uses: tuple[str, ...] = ()):
    """Fixtures for data that many tests of a module read (and may change): `build(db, make, **uses)`
    runs once for the module's tests on a worker (see SharedWorld) and returns ORM objects (in
    dicts, lists, tuples and dataclasses); `uses` names module- or session-scoped fixtures it
    needs. The `world` fixture hands each test the same objects loaded in its own session, and
    the test's `make` continues the build's numbering (no e-mail address twice), as if the test
    had built the world itself; whatever the test changes is rolled back.

    Use: `built_world, world = shared_world(build)` in a conftest or test module (the fixture
    must be named built_world: db looks for it)."""

    @pytest.fixture(scope="module", name="built_world")
    def built_world(app, request):
        shared = SharedWorld(app, build, {name: request.getfixturevalue(name) for name in uses})
        yield shared
        shared.close()

    @pytest.fixture()
    def world(db, make, built_world):
        make.counter = built_world.counter
        return _load(db, built_world.references)

    return built_world, world


@dataclasses.dataclass(frozen=True)
class _Row:
    model: type
    identity: tuple


@dataclasses.dataclass(frozen=True)
class _Record:
    cls: type
    fields: dict


def _references(value):
    """ORM objects → their class and primary key; dataclasses and containers keep their shape."""
    from sqlalchemy import inspect as inspect_

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _Record(type(value), {f.name: _references(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {key: _references(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_references(item) for item in value)
    state = inspect_(value, raiseerr=False)
    if state is not None and getattr(state, "identity", None):
        return _Row(type(value), state.identity)
    return value


def _load(db, value):
    if isinstance(value, _Row):
        return db.session.get(value.model, value.identity)
    if isinstance(value, _Record):
        return value.cls(**{name: _load(db, item) for name, item in value.fields.items()})
    if isinstance(value, dict):
        return {key: _load(db, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_load(db, item) for item in value)
    return value


class Browser:
    """The Flask test client plus what a person does: log in, submit forms with their CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def _request(self, method: str, url, **kwargs):
        """Each request gets its own app context (and `g`), as in production: the test's
        context is set aside while the request runs."""
        context = _cv_app.get(None)
        if context is not None:
            context.pop()
        try:
            return getattr(self.client, method)(url, **kwargs)
        finally:
            if context is not None:
                context.push()

    def get(self, url, **kwargs):
        response = self._request("get", url, **kwargs)
        if response.mimetype != "text/html":
            return response
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/anmelden")
            data.setdefault("csrf_token", self.token)
        return self._request("post", url, data=data, **kwargs)

    def login(self, user_or_email, password: str = "ein-sicheres-passwort"):
        email = getattr(user_or_email, "email", user_or_email)
        self.get("/anmelden")
        response = self.post("/anmelden", {"email": email, "password": password})
        assert response.status_code == 302, "login failed"
        self.get("/lernstand")
        return response


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def browser(client):
    return Browser(client)


@pytest.fixture()
def another_browser(app, db):
    return Browser(app.test_client())


@pytest.fixture()
def login_as(app, db):
    """A fresh browser signed in as `user` (signing in again in one browser keeps the first user)."""

    def login(user):
        browser = Browser(app.test_client())
        browser.login(user)
        return browser

    return login


class Factory:
    PASSWORD = "ein-sicheres-passwort"

    def __init__(self, db):
        self.db = db
        self.counter = 0

    def user(self, role: str = "learner", email: str | None = None, name: str | None = None, password: str | None = PASSWORD):
        from app.accounts.models import Role
        from app.accounts.services import create_user

        self.counter += 1
        return create_user(email or f"{role}{self.counter}@example.net", name or f"{role.title()} {self.counter}", Role(role), password)

    def course(self, slug: str = "kurz-kurs"):
        from app.catalogue.models import Course

        return self.db.session.scalar(select(Course).where(Course.slug == slug))

    def cohort(self, course=None, trainers=(), name: str | None = None, land: str = "12"):
        from app.cohorts.models import Cohort

        self.counter += 1
        cohort = Cohort(course=course or self.course(), name=name or f"Kohorte {self.counter}", land=land, starts_on=date(2027, 1, 11))
        cohort.trainers.extend(trainers)
        self.db.session.add(cohort)
        self.db.session.flush()
        return cohort

    def enrolment(self, user=None, cohort=None):
        from app.cohorts.models import Enrolment
        from app.progress.services import initialise_enrolment

        enrolment = Enrolment(user=user or self.user(), cohort=cohort or self.cohort())
        self.db.session.add(enrolment)
        self.db.session.flush()
        initialise_enrolment(enrolment)
        return enrolment


@pytest.fixture()
def make(db):
    return Factory(db)


def read_mails(app) -> list:
    """Messages written to MAIL_DIR (no SMTP configured), oldest first."""
    from email import policy
    from email.parser import BytesParser

    folder = Path(app.config["MAIL_DIR"])
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


class _SMTPHandler:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import policy
        from email.parser import BytesParser

        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted"


@pytest.fixture()
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the app sends to it while the test runs."""
    from aiosmtpd.controller import Controller

    handler = _SMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield handler
    finally:
        app.config.update(saved)
        controller.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API server (moto_server on 127.0.0.1), one per test session and worker."""
    from tests.s3server import MotoServer

    server = MotoServer().start()
    yield server
    server.stop()
