"""The Redis job queue with real parts: Redis on 127.0.0.1, worker processes started here
(`flask --app wsgi worker`), a database file (or PostgreSQL) shared by the test and the workers,
and an SMTP server (aiosmtpd) on loopback.

Redis: database 14 (TEST_JOBS_REDIS_URL; the deployment test flushes 15) and a key namespace of
its own per pytest worker and test, so parallel workers and the PostgreSQL run never meet."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import free_port, worker_id
from tests.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL} ({exc}); the job-queue tests need it")
    return client


@pytest.fixture()
def namespace(request):
    client = redis_client()
    name = f"scc-test-{worker_id(request)}-{uuid.uuid4().hex[:8]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


class MessageIds:
    """An SMTP server that counts accepted messages by Message-ID; `on_message(n)` runs before
    the n-th message is answered and may refuse it by returning an SMTP reply."""

    def __init__(self):
        self.accepted: list[str] = []
        self.received = 0
        self.on_message = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import policy
        from email.parser import BytesParser

        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self.lock:
            self.received += 1
            number = self.received
        if self.on_message is not None:
            reply = self.on_message(number)
            if reply:
                return reply
        with self.lock:
            self.accepted.append(str(message["Message-ID"]))
        return "250 Message accepted"


@pytest.fixture()
def smtp():
    from aiosmtpd.controller import Controller

    handler = MessageIds()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def shared_database(request, tmp_path_factory):
    """A database built by the migrations (the claim columns included) that test and workers share."""
    tmp = tmp_path_factory.mktemp("jobs-db")
    url = fresh_database(tmp, f"jobs_{worker_id(request)}")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url, "SECRET_KEY": "jobs-test", "COURSES_AUTO_RELOAD": "0"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    return url, tmp


class Workers:
    """Worker processes of one test, each in a process group of its own (killed as a whole, as
    the kernel's OOM killer or `docker kill` would)."""

    def __init__(self, env: dict, log_dir: Path):
        self.env, self.log_dir, self.processes = env, log_dir, []

    def start(self, extra_import: str | None = None, **settings) -> subprocess.Popen:
        env = {**self.env, **{key: str(value) for key, value in settings.items()}}
        if extra_import:  # `flask --app wsgi worker`, with the tests' own tasks imported first
            command = [sys.executable, "-c", f"import sys, {extra_import}; from flask.cli import main; "
                       "sys.argv = ['flask', '--app', 'wsgi', 'worker']; main()"]
        else:
            command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        log = open(self.log_dir / f"worker-{len(self.processes)}.log", "wb")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def kill(self, process) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}" for path in sorted(self.log_dir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill(process)
                process.wait()


@pytest.fixture()
def workers(shared_database, namespace, tmp_path):
    url, _tmp = shared_database
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url, "SECRET_KEY": "jobs-test", "COURSES_AUTO_RELOAD": "0",
        "REDIS_URL": REDIS_URL, "JOBS_NAMESPACE": namespace, "MAIL_DIR": str(tmp_path / "mail"),
        # quick enough for a test: a dead worker is noticed after 2 s, every command checks for one
        "JOBS_HEARTBEAT_SECONDS": "2", "JOBS_MAINTENANCE_PER_MILLION": "1000000",
        "JOBS_MIN_BACKOFF_SECONDS": "0.3", "JOBS_MAX_BACKOFF_SECONDS": "2", "MAIL_CLAIM_SECONDS": "4",
    }
    pool = Workers(env, tmp_path)
    yield pool
    pool.stop_all()


@pytest.fixture()
def queue_app(shared_database, namespace, tmp_path):
    """The web side: an app on the shared database whose jobs go to Redis under the test's namespace."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db

    url, _tmp = shared_database
    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=url, REDIS_URL=REDIS_URL, JOBS_NAMESPACE=namespace, MAIL_DIR=str(tmp_path / "mail"))
    app = create_app(settings)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def wait_for(condition, timeout: float, what: str, workers: Workers | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}" + (f"\n{workers.logs()}" if workers else ""))
