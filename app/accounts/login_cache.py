"""The login check's answers, kept per process on PostgreSQL while the database says what changed
(issue 17).

Every signed-in page asks the database whether its login session still holds
(accounts.services.load_session_user): one round trip, and on PostgreSQL the largest piece of a
signed-in page that needs nothing else (docs/performance.md, "Eighth round"). A person's pages land
on a worker that checked them seconds ago, so the answer is kept here, keyed by user and login
session, until the database reports a change:

- **Triggers** on `users` and `login_sessions` (accounts.models.LOGIN_TRIGGERS, created with the
  tables and by the migration) send `NOTIFY scc_login, '<user id>'` for every row updated or deleted, and `'*'` for a
  TRUNCATE. PostgreSQL delivers a notification when the writing transaction commits, to every
  listening connection, in commit order. Signing out, "überall abmelden", a new password, a
  deactivated or deleted account, a changed role or name: each updates or deletes such a row.
- **A listener thread per process** (`_Listener`) holds a connection of its own that LISTENs, and
  drops the user's entries for each notification.
- **How late it may be is bounded** (`LOGIN_CACHE_MAX_LAG_SECONDS`, 1 s by default). Every 0.25 s
  the listener notifies a channel of its own and waits to hear it back. PostgreSQL delivers the
  notifications of a listening connection in commit order, so hearing back the one sent at time t
  means every change committed before t has been applied here. An entry is used only while the
  last such confirmation is younger than the bound: a listener that is cut off, stuck or slow turns
  the cache off within it, and it is emptied whenever the listener (re)connects. A change reaches
  every process within that bound at worst, and typically within a millisecond. (Without the cache,
  a request whose check ran a moment before the change was committed is served after it, too.)
- **No stale answer is kept by a race**: an answer read from the database is kept only if nothing
  was dropped while it was read (`generation`).
- **Changes this process commits** are applied at once, without waiting for the notification
  (`forget_after_commit`).
- An entry still expires when its login session does (its `created_at` is kept with it).

Off on SQLite (no notifications; its check is a read of a local file) and where the bound is 0
(docs/deployment.md: a pooler in transaction mode cannot pass LISTEN through)."""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import weakref
from datetime import datetime

from app.accounts.models import LoginSession, User

log = logging.getLogger(__name__)

CHANNEL = "scc_login"
HEARTBEAT_SECONDS = 0.25
MAX_ENTRIES = 4096  # users; cleared when full

ALL = None  # forget(ALL): every entry


class LoginCache:
    """Rows of the login check by user id and login session key hash, each with its login
    session's created_at. Read without the lock (one dict lookup under the GIL); written and
    dropped under it."""

    def __init__(self, conninfo: str, max_lag: float, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.conninfo, self.max_lag, self.heartbeat = conninfo, max_lag, heartbeat
        self._entries: dict[int, dict[str, tuple[dict, datetime]]] = {}
        self._lock = threading.Lock()
        self.generation = 0  # counts the drops; an answer read across one is not kept
        self._confirmed = float("-inf")  # time.monotonic(): every change committed before it is applied
        self._listener: _Listener | None = None
        self._stopped = False
        reference = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (cache := reference()) is not None and cache._forked())

    # -- the request's side

    def get(self, user_id: int, key_hash: str, not_before: datetime) -> dict | None:
        """The kept row, or None: not kept, expired, or the listener not confirmed within the bound."""
        if time.monotonic() - self._confirmed >= self.max_lag:
            if self._listener is None and not self._stopped:
                self._start()
            return None
        entry = self._entries.get(user_id, {}).get(key_hash)
        if entry is None or entry[1] <= not_before:
            return None
        return entry[0]

    def put(self, generation: int, user_id: int, key_hash: str, row: dict, created_at: datetime) -> None:
        """Keeps a row read from the database while `generation` was current."""
        with self._lock:
            if generation != self.generation or time.monotonic() - self._confirmed >= self.max_lag:
                return
            sessions = self._entries.get(user_id)
            if sessions is None:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                sessions = self._entries[user_id] = {}
            sessions[key_hash] = (row, created_at)

    def forget(self, user_id: int | None) -> None:
        """Drops the user's entries (ALL: every entry)."""
        with self._lock:
            self.generation += 1
            if user_id is ALL:
                self._entries.clear()
            else:
                self._entries.pop(user_id, None)

    @property
    def listening(self) -> bool:
        """The listener confirmed within the bound: kept answers are used."""
        return time.monotonic() - self._confirmed < self.max_lag

    # -- the listener's side

    def confirm(self, sent_at: float) -> None:
        self._confirmed = max(self._confirmed, sent_at)

    def lost(self) -> None:
        """The listener is not (or no longer) listening: nothing is used until it confirms again."""
        self._confirmed = float("-inf")
        self.forget(ALL)

    def _start(self) -> None:
        with self._lock:
            if self._listener is None and not self._stopped:
                self._listener = _Listener(self)
                self._listener.start()

    def stop(self) -> None:
        """Stops the listener (tests; a process ending needs nothing: the thread is a daemon)."""
        self._stopped = True
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
        self.lost()

    def _forked(self) -> None:
        """A forked child has no listener thread and must not trust its parent's entries."""
        self._lock = threading.Lock()
        self._listener = None
        self._confirmed = float("-inf")
        self._entries = {}
        self.generation += 1


class _Listener(threading.Thread):
    """LISTENs on the cache's own connection; drops entries as notified, confirms by heartbeat,
    reconnects after a failure (the cache is off meanwhile). Holds the cache weakly: it ends
    when the cache is gone or stopped."""

    def __init__(self, cache: LoginCache) -> None:
        super().__init__(name="login-cache-listener", daemon=True)
        self._cache = weakref.ref(cache)
        self._conninfo, self._heartbeat = cache.conninfo, cache.heartbeat
        self._stopped = threading.Event()
        self.connection = None  # the open connection (tests end it from the server's side)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)

    def run(self) -> None:
        import psycopg

        backoff, failing = 0.1, False
        while not self._stopped.is_set() and self._cache() is not None:
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as connection:
                    self.connection = connection
                    if failing:
                        log.info("login cache listener connected again")
                    failing, backoff = False, 0.1
                    self._listen(connection)
            except psycopg.errors.InvalidCatalogName:  # the database was dropped: nothing left to listen to
                log.info("login cache listener: the database is gone; the cache stays off")
                return
            except Exception as error:  # noqa: BLE001 - any failure: off, then connect again
                if not failing and not self._stopped.is_set():  # once per outage, not per attempt
                    log.warning("login cache listener: %s; the login check asks the database until it listens again",
                                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
                failing = True
            finally:
                self.connection = None
                cache = self._cache()
                if cache is not None:
                    cache.lost()
                del cache
            self._stopped.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def _listen(self, connection) -> None:
        from psycopg import sql

        own = f"scc_login_heard_{os.getpid()}_{secrets.token_hex(4)}"
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(own)))
        # Nothing is kept at this point: lost() emptied the cache when the last connection ended
        # (or none was kept yet), and keeps nothing until the first confirmation below.
        while not self._stopped.is_set():
            sent_at = time.monotonic()
            connection.execute("SELECT pg_notify(%s, %s)", (own, repr(sent_at)))
            for notification in connection.notifies(timeout=self._heartbeat):
                cache = self._cache()
                if cache is None:
                    return
                if notification.channel == own:
                    cache.confirm(float(notification.payload))
                else:
                    payload = notification.payload
                    cache.forget(int(payload) if payload.isdigit() else ALL)  # "*", or not ours: all
                del cache


# -- wiring: one cache per app, built on first use; this process's own commits applied at once

_UNSET = object()
_KEY = "scc_login_cache"


def for_app(app) -> LoginCache | None:
    """The app's cache, or None where it is off (not PostgreSQL through psycopg, or a bound of 0)."""
    cache = app.extensions.get(_KEY, _UNSET)
    if cache is _UNSET:
        cache = app.extensions[_KEY] = _build(app)
    return cache


def stop(app) -> None:
    """Stops the app's listener, if it has one (before its database is dropped: tests, benchmarks)."""
    cache = app.extensions.get(_KEY)
    if isinstance(cache, LoginCache):
        cache.stop()


def _build(app) -> LoginCache | None:
    from app.extensions import db

    lag = float(app.config.get("LOGIN_CACHE_MAX_LAG_SECONDS") or 0)
    with app.app_context():
        url = db.engine.url
    if lag <= 0 or url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
        return None
    install()
    return LoginCache(url.set(drivername="postgresql").render_as_string(hide_password=False), lag)


_CHANGED = "scc_login_changed"  # Session.info: user ids (or ALL) whose login check this transaction changed


def _noticed(session, user_id: int | None) -> None:
    session.info.setdefault(_CHANGED, set()).add(user_id)


def _after_flush(session, _context) -> None:
    for instance in session.dirty:
        if isinstance(instance, User):
            _noticed(session, instance.id)
    for instance in session.deleted:
        if isinstance(instance, User):
            _noticed(session, instance.id)
        elif isinstance(instance, LoginSession):
            _noticed(session, instance.user_id)


def _on_execute(state) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in ("users", "login_sessions"):
            _noticed(state.session, ALL)  # a statement's rows are not known here


def _after_commit(session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if not changed:
        return
    from flask import current_app, has_app_context

    if not has_app_context():
        return  # the notification does it
    cache = current_app.extensions.get(_KEY)
    if isinstance(cache, LoginCache):
        for user_id in (ALL,) if ALL in changed else changed:
            cache.forget(user_id)


def _after_rollback(session) -> None:
    session.info.pop(_CHANGED, None)


def install() -> None:
    """Listens to every ORM session (once per process, when the first cache is built: where no
    cache is kept — SQLite, a bound of 0 — no statement pays for the hooks)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
