"""The login check's answers kept per process on PostgreSQL (app.accounts.login_cache): a kept
answer saves the database round trip, and every change to a user or a login session ends it —
committed by this process at once, by any other process as soon as PostgreSQL's notification
arrives, and within the bound when the listener hears nothing.

Two apps on one database stand for two worker processes (or two app servers): each has its own
cache and listener, as each gunicorn worker has."""
from __future__ import annotations

import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import text

from app import clock, create_app
from app.accounts import login_cache
from app.accounts.login_cache import ALL, LoginCache, for_app
from app.config import TestConfig
from tests.conftest import worker_id
from tests.databases import fresh_database
from tests.statements import statements_sent

PASSWORD = "ein-sicheres-passwort"
LAG = 1.0


def make_app(url: str, tmp_path, **settings):
    return create_app(TestConfig.settings(**{"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "MAIL_DIR": str(tmp_path / "mail"),
                                             "LOGIN_CACHE_MAX_LAG_SECONDS": LAG, **settings}))


@pytest.fixture(scope="module")
def database(request, tmp_path_factory):
    url = fresh_database(tmp_path_factory.mktemp("login_cache"), f"login_cache_{worker_id(request)}")
    if not url.startswith("postgresql"):
        pytest.skip("the login cache is PostgreSQL's (SQLite keeps none: test_sqlite_keeps_no_login_cache)")
    return url


@pytest.fixture(scope="module")
def two_apps(database, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("login_cache_apps")
    first, second = make_app(database, tmp), make_app(database, tmp)
    from app.extensions import db

    with first.app_context():
        db.create_all()
    yield first, second
    for app in (first, second):
        login_cache.stop(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture()
def apps(two_apps):
    """Two apps on one database, as two worker processes, with one learner and nothing kept."""
    first, _ = two_apps
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.extensions import db

    with first.app_context():
        db.session.execute(text("TRUNCATE users CASCADE"))
        create_user("lea@example.net", "Lea Lernend", Role.LEARNER, PASSWORD)
        db.session.commit()
    for app in two_apps:
        cache_of(app).forget(ALL)
    return two_apps


def signed_in(app):
    client = app.test_client()
    response = client.post("/anmelden", data={"email": "lea@example.net", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def same_browser(client, app):
    """A client of `app` that sends `client`'s session cookie: the same browser, its next page
    served by the other worker."""
    other = app.test_client()
    cookie = client.get_cookie("scc_session", domain="campus.test")
    other.set_cookie("scc_session", cookie.value, domain="campus.test")
    return other


def cache_of(app) -> LoginCache:
    with app.app_context():
        cache = for_app(app)
    assert cache is not None
    return cache


def until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.005)


def listening(app) -> LoginCache:
    """The app's cache once its listener has confirmed (it starts with the first login check)."""
    cache = cache_of(app)
    cache.get(0, "", clock.now())  # starts the listener
    until(lambda: cache.listening)
    return cache


def kept(app, client) -> None:
    """The browser's login check is kept by `app`: its next page sends no statement."""
    listening(app)
    assert signed_in_page(client) == 200  # read and kept
    from app.extensions import db

    with app.app_context():
        sent = statements_sent(db.engine, lambda: client.get("/impressum"))
    assert sent == [], sent


def signed_in_page(client) -> int:
    """200 while the browser is signed in; the profile page sends anyone else to the login."""
    return client.get("/profil").status_code


def outside(app) -> psycopg.Connection:
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True)


def notified(cache: LoginCache, change) -> None:
    """Runs `change` and waits until `cache` has dropped something since."""
    generation = cache.generation
    change()
    until(lambda: cache.generation != generation)


def test_a_kept_login_check_sends_no_statement_and_shows_the_same_user(apps):
    first, second = apps
    browser = signed_in(first)
    kept(first, browser)
    assert "Lea Lernend" in browser.get("/profil").get_data(as_text=True)
    on_second = same_browser(browser, second)
    kept(second, on_second)
    assert "Lea Lernend" in on_second.get("/profil").get_data(as_text=True)


@pytest.mark.parametrize("change", [
    "DELETE FROM login_sessions",
    "UPDATE users SET active = false",
    "DELETE FROM users",
    "TRUNCATE login_sessions",
], ids=["session-ended", "deactivated", "deleted", "truncated"])
def test_a_change_committed_elsewhere_ends_the_kept_check(apps, change):
    first, _ = apps
    browser = signed_in(first)
    kept(first, browser)
    with outside(first) as connection:
        notified(cache_of(first), lambda: connection.execute(change))
    assert signed_in_page(browser) == 302


def test_a_changed_name_shows_on_the_next_page_of_every_worker(apps):
    first, second = apps
    browser = signed_in(first)
    on_second = same_browser(browser, second)
    kept(second, on_second)
    with outside(first) as connection:
        notified(cache_of(second), lambda: connection.execute("UPDATE users SET name = 'Lea Neumann'"))
    assert "Lea Neumann" in on_second.get("/profil").get_data(as_text=True)


def test_signing_out_everywhere_on_one_worker_ends_the_kept_check_on_another(apps):
    first, second = apps
    browser = signed_in(first)
    copy = same_browser(browser, second)  # a copied cookie, served by the second worker
    kept(second, copy)
    notified(cache_of(second), lambda: browser.post("/abmelden/ueberall"))
    assert signed_in_page(copy) == 302


def test_this_processs_own_commit_ends_the_kept_check_without_waiting_for_the_notification(apps):
    """The triggers are dropped, so no notification comes; the heartbeat still confirms. Signing
    out everywhere through this app must still end the check it keeps for a copied cookie."""
    first, _ = apps
    triggers = (("login_sessions", "login_sessions_changed"), ("users", "users_login_changed"))
    with outside(first) as connection:
        for table, trigger in triggers:
            connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        try:
            browser = signed_in(first)
            copy = same_browser(browser, first)
            kept(first, copy)
            assert browser.post("/abmelden/ueberall").status_code == 302
            assert signed_in_page(copy) == 302
        finally:
            for table, trigger in triggers:
                connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def test_a_change_missed_while_the_listener_was_cut_off_is_not_served_after_it_reconnects(apps):
    first, _ = apps
    browser = signed_in(first)
    kept(first, browser)
    cache = cache_of(first)
    listener = cache._listener
    old_pid = listener.connection.info.backend_pid
    with outside(first) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", (old_pid,))
        until(lambda: not cache.listening)
        connection.execute("DELETE FROM login_sessions")  # no one listens: no notification reaches the cache
    until(lambda: listener.connection is not None and listener.connection.info.backend_pid != old_pid and cache.listening)
    assert signed_in_page(browser) == 302


def test_a_kept_check_expires_with_its_login_session(apps):
    first, _ = apps
    browser = signed_in(first)
    kept(first, browser)
    with clock.frozen(clock.now() + first.permanent_session_lifetime + timedelta(seconds=1)):
        assert signed_in_page(browser) == 302


def test_without_a_confirmation_within_the_bound_nothing_kept_is_used():
    cache = LoginCache("", max_lag=0.2)
    cache.stop()  # no listener: confirmations are given by hand below
    now = clock.now()
    cache.confirm(time.monotonic())
    cache.put(cache.generation, 1, "hash", {"id": 1}, now)
    assert cache.get(1, "hash", now - timedelta(hours=1)) == {"id": 1}
    time.sleep(0.25)
    assert cache.get(1, "hash", now - timedelta(hours=1)) is None


def test_an_answer_read_while_something_was_dropped_is_not_kept():
    cache = LoginCache("", max_lag=60)
    cache.stop()
    now = clock.now()
    cache.confirm(time.monotonic())
    generation = cache.generation  # the login check starts reading
    cache.forget(2)  # a notification arrives meanwhile (for anyone: the read may predate it)
    cache.put(generation, 1, "hash", {"id": 1}, now)
    assert cache.get(1, "hash", now - timedelta(hours=1)) is None
    cache.put(cache.generation, 1, "hash", {"id": 1}, now)
    assert cache.get(1, "hash", now - timedelta(hours=1)) == {"id": 1}
    cache.forget(ALL)
    assert cache.get(1, "hash", now - timedelta(hours=1)) is None


def test_sqlite_keeps_no_login_cache(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'campus.sqlite3'}", tmp_path)
    assert for_app(app) is None


def test_a_bound_of_zero_keeps_no_login_cache(database, tmp_path):
    assert for_app(make_app(database, tmp_path, LOGIN_CACHE_MAX_LAG_SECONDS=0)) is None
