"""argon2id parameters, rehashing on login, and the bound on password hashes running at once."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select

from app.accounts import passwords
from app.accounts.models import User
from app.config import Config


def _config_in_fresh_process(env: dict) -> list[int]:
    """Config as a fresh process reads it from this environment (Config is read at import)."""
    code = "from app.config import Config as C; print(C.ARGON2_MEMORY_COST, C.ARGON2_TIME_COST, C.ARGON2_PARALLELISM)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ARGON2_")}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60, check=True)
    return [int(v) for v in done.stdout.split()]


def test_default_parameters_are_owasp_argon2id_and_configurable():
    """OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1 — unless the environment says otherwise."""
    assert _config_in_fresh_process({}) == [19456, 2, 1]
    assert _config_in_fresh_process({"ARGON2_MEMORY_COST": "47104", "ARGON2_TIME_COST": "1"}) == [47104, 1, 1]


def test_old_hash_is_rehashed_with_the_configured_parameters_on_login(app, db, browser, make):
    user = make.user("learner")
    # a hash from before the change: RFC 9106's 64 MiB, 3 passes
    old = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(make.PASSWORD)
    user.password_hash = old
    db.session.commit()
    assert extract_parameters(old).memory_cost == 64 * 1024

    browser.login(user)

    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id).execution_options(populate_existing=True))
    assert stored != old
    parameters = extract_parameters(stored)
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        app.config["ARGON2_MEMORY_COST"], app.config["ARGON2_TIME_COST"], app.config["ARGON2_PARALLELISM"])
    assert parameters.type.name == "ID"
    browser.post("/abmelden")
    browser.login(user)  # the new hash checks the same password
    assert db.session.scalar(select(User.password_hash).where(User.id == user.id)) == stored  # no second rehash


def test_wrong_password_leaves_an_old_hash_alone(db, browser, make):
    user = make.user("learner")
    old = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(make.PASSWORD)
    user.password_hash = old
    db.session.commit()
    browser.get("/anmelden")
    assert browser.post("/anmelden", {"email": user.email, "password": "falsch-falsch-falsch"}).status_code == 401
    assert db.session.scalar(select(User.password_hash).where(User.id == user.id)) == old


@pytest.fixture()
def slots(app):
    """Sets the number of password slots (and the wait) for one test; a fresh semaphore."""
    saved = {k: app.config[k] for k in ("PASSWORD_HASH_CONCURRENCY", "PASSWORD_HASH_WAIT_SECONDS")}

    def configure(concurrency: int, wait: float = 5.0) -> None:
        app.config.update(PASSWORD_HASH_CONCURRENCY=concurrency, PASSWORD_HASH_WAIT_SECONDS=wait)
        app.extensions.pop("password_slots", None)

    yield configure
    app.config.update(saved)
    app.extensions.pop("password_slots", None)


def test_no_more_hashes_run_at_once_than_the_slots(app, slots, monkeypatch):
    """Eight threads hash and verify at once; argon2's own hash and verify count how many of them
    are inside at the same time."""
    slots(2)
    inside, most, lock = [0], [0], threading.Lock()
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counted(real):
        def wrapper(self, *args, **kwargs):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            try:
                time.sleep(0.02)  # long enough for the other threads to try to get in
                return real(self, *args, **kwargs)
            finally:
                with lock:
                    inside[0] -= 1
        return wrapper

    monkeypatch.setattr(PasswordHasher, "hash", counted(real_hash))
    monkeypatch.setattr(PasswordHasher, "verify", counted(real_verify))
    results, errors = [], []

    def work(n: int) -> None:
        try:
            with app.app_context():
                stored = passwords.hash_password(f"passwort-{n}")
                results.append(passwords.verify_password(stored, f"passwort-{n}"))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and results == [True] * 8
    assert most[0] == 2


def test_a_login_that_gets_no_slot_in_time_is_told_to_try_again(app, slots, db, browser, make):
    user = make.user("learner")
    slots(1, wait=0.05)
    browser.get("/anmelden")
    with app.app_context():
        semaphore = passwords.slots()
    assert semaphore.acquire(timeout=1)  # another login is hashing
    try:
        started = time.monotonic()
        response = browser.post("/anmelden", {"email": user.email, "password": Config.DEMO_PASSWORD})
        waited = time.monotonic() - started
    finally:
        semaphore.release()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0  # (the rate limiter fills in its own figure)
    page = response.get_data(as_text=True)
    assert "Bitte versuchen Sie es in ein paar Sekunden noch einmal." in page
    assert f'value="{user.email}"' in page  # nothing typed is lost but the password
    assert waited < 2
    # with the slot free again the same login goes through
    browser.login(user)


def test_threads_that_checked_a_password_do_not_keep_its_memory(tmp_path):
    """argon2's 19 MiB per hash is given back after each hash, whichever thread hashed (glibc would
    otherwise keep it in each thread's heap: +19 MiB per thread, see app.accounts.passwords)."""
    code = """
import threading
from app import create_app
from app.accounts.passwords import hash_password, verify_password

def rss():
    return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]) // 1024

app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "ARGON2_MEMORY_COST": 19456, "ARGON2_TIME_COST": 1})
with app.app_context():
    stored = hash_password("geheim")
before = rss()

def log_in():
    with app.app_context():
        assert verify_password(stored, "geheim")

for _ in range(2):
    threads = [threading.Thread(target=log_in) for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
print(rss() - before)
"""
    if not Path("/proc/self/status").exists():
        pytest.skip("reads VmRSS from /proc")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
    grown_mib = int(done.stdout.split()[-1])
    assert grown_mib < 10, f"{grown_mib} MiB kept after password checks in three threads"
