"""Prepared downloads: a feature registers a kind of file (how to build it, who may have it),
a page asks for one (`request_export`, a row and the job `exports.build`), a job builds it into
the file store and the person downloads it from "Meine Downloads" until it expires.

The build is safe to run twice (a queue retries a job whose worker died): the job claims the row
(pending → running, or a running row whose heartbeat is older than EXPORT_LEASE_SECONDS), writes
progress and the result only while it still holds the claim, and stores the file under a key
derived from the row, so a second run replaces the file instead of adding one."""
from __future__ import annotations

import hashlib
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Callable

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from app import clock, jobs
from app.accounts.models import User
from app.exports.models import Export, ExportStatus
from app.db import keep_loaded_on_commit
from app.extensions import db
from app.files import StorageUnavailable, get_store

SPOOL_BYTES = 32 * 1024 * 1024  # a larger file goes to a temporary file on disk while it is built
HISTORY_DAYS = 30  # rows without a file are kept this long as "Meine Downloads" history


@dataclass(frozen=True)
class Built:
    filename: str
    content_type: str


Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Kind:
    """A kind of prepared file, registered by the feature that builds it.

    build(user, params, target, progress) writes the file into `target` (a binary file object),
    calls progress(done, total) as it goes and returns the name and type to offer it under; it
    raises ExportError for a reason the person should read. may_download(user, params) is the
    feature's own access rule, checked when the file is asked for, before it is built and again
    at every download. Units: "rows", "files" or "certificates" (the progress text). The feature's
    page builds small files at once: up to current_app.config[immediate_setting] units."""

    name: str
    build: Callable[[User, dict, IO[bytes], Progress], Built]
    may_download: Callable[[User, dict], bool]
    unit: str = "rows"
    immediate_setting: str = "EXPORT_IMMEDIATE_ROWS"


class ExportError(Exception):
    """A build that cannot succeed for a reason the person can read: `code` is one of
    ERROR_CODES, translated by the page."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


ERROR_CODES = ("gone", "denied", "storage", "internal")


class LostClaim(Exception):
    """Another run took the export over (this one was too slow to renew its heartbeat)."""


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Called from create_app through the feature's subscribe(); registering again replaces."""
    KINDS[kind.name] = kind


def kind_of(export: Export) -> Kind | None:
    return KINDS.get(export.kind)


def build_at_once(kind: Kind, estimate: int) -> bool:
    """Small files are built in the request itself: one click, the file, no page in between."""
    limit = int(current_app.config.get(kind.immediate_setting) or 0)
    return limit > 0 and estimate <= limit  # 0: every export of the kind goes through the queue


def may_download(user: User, export: Export) -> bool:
    """Only the person who asked, and only while the feature still lets them have it."""
    kind = kind_of(export)
    return export.user_id == user.id and kind is not None and bool(kind.may_download(user, export.params or {}))


def request_export(user: User, kind_name: str, params: dict, title: str, total: int | None = None) -> Export:
    """Records the request and enqueues its build; runs once the caller commits."""
    kind = KINDS[kind_name]
    export = Export(user_id=user.id, kind=kind.name, params=params, title=title[:300], unit=kind.unit, total=total,
                    status=ExportStatus.PENDING)
    db.session.add(export)
    db.session.flush()
    jobs.enqueue("exports.build", export.id)
    return export


def retry_export(export: Export) -> bool:
    """A failed build, or one whose worker stopped renewing its claim, is asked for again."""
    if not (export.status == ExportStatus.FAILED or is_stale(export)):
        return False
    same_claim = Export.claim == export.claim if export.claim else Export.claim.is_(None)
    result = db.session.execute(
        update(Export).where(Export.id == export.id, Export.status == export.status, same_claim)
        .values(status=ExportStatus.PENDING, error=None, done=0, claim=None, heartbeat_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(export)
    jobs.enqueue("exports.build", export.id)
    return True


def _stale(now):
    """SQL twin of is_stale: pending or running with no sign of life for longer than the lease."""
    limit = now - timedelta(seconds=_lease())
    return or_(and_(Export.status == ExportStatus.PENDING, Export.heartbeat_at.is_(None), Export.created_at < limit),
               and_(Export.status.in_((ExportStatus.PENDING, ExportStatus.RUNNING)), Export.heartbeat_at < limit))


def is_stale(export: Export) -> bool:
    """Pending or running with no sign of life for longer than the lease: its job was lost (an
    in-process job when the server stopped) or its worker died."""
    if export.status not in (ExportStatus.PENDING, ExportStatus.RUNNING):
        return False
    last = export.heartbeat_at or export.created_at
    return last < clock.now() - timedelta(seconds=_lease())


def recent_exports(user: User, limit: int = 50) -> list[Export]:
    return list(db.session.scalars(
        select(Export).where(Export.user_id == user.id).order_by(Export.created_at.desc(), Export.id.desc()).limit(limit)))


def file_key(export_id: int) -> str:
    """The same key for every run of one export: a second run replaces the file, never adds one."""
    return hashlib.sha256(f"scc-export-{export_id}".encode()).hexdigest()[:32]


def build_now(kind: Kind, user: User, params: dict) -> tuple[IO[bytes], Built]:
    """The small case: builds in the request; the caller sends the returned file."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    built = kind.build(user, params, spool, lambda done, total=None: None)
    spool.seek(0)
    return spool, built


# -- the job ----------------------------------------------------------------------------------------

def _lease() -> int:
    return int(current_app.config.get("EXPORT_LEASE_SECONDS") or 300)


def claim(export_id: int) -> str | None:
    """pending → running (or a stale running row taken over) in one UPDATE; the token if this
    run got it, None if another run holds it or there is nothing to do."""
    token, now = secrets.token_hex(16), clock.now()
    result = db.session.execute(
        update(Export)
        .where(Export.id == export_id, or_(Export.status == ExportStatus.PENDING, _stale(now)))
        .values(status=ExportStatus.RUNNING, claim=token, heartbeat_at=now, started_at=now, attempts=Export.attempts + 1,
                done=0, error=None)
        .execution_options(synchronize_session=False)
    )
    got = result.rowcount == 1
    db.session.commit()
    return token if got else None


class _Progress:
    """Writes done/total and the heartbeat every EXPORT_PROGRESS_EVERY units (and at least every
    few seconds), committed in the job's session; raises LostClaim when another run took over."""

    def __init__(self, export_id: int, token: str):
        self.export_id, self.token = export_id, token
        self.every = max(int(current_app.config.get("EXPORT_PROGRESS_EVERY") or 200), 1)
        self.seconds = min(_lease() / 3, 10.0)
        self.last_done, self.last_time = 0, time.monotonic()

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if done - self.last_done < self.every and now - self.last_time < self.seconds and done != total:
            return
        self.last_done, self.last_time = done, now
        values = {"done": done, "heartbeat_at": clock.now()}
        if total is not None:
            values["total"] = total
        result = db.session.execute(update(Export).where(Export.id == self.export_id, Export.claim == self.token)
                                    .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            raise LostClaim(self.export_id)
        db.session.commit()


def _finish(export_id: int, token: str, **values) -> bool:
    result = db.session.execute(
        update(Export).where(Export.id == export_id, Export.claim == token, Export.status == ExportStatus.RUNNING)
        .values(**values).execution_options(synchronize_session=False))
    won = result.rowcount == 1
    db.session.commit()
    return won


def _still_mine(export_id: int, token: str) -> bool:
    return db.session.scalar(select(Export.id).where(Export.id == export_id, Export.claim == token,
                                                     Export.status == ExportStatus.RUNNING)) is not None


@jobs.task("exports.build")
def build_export(export_id: int) -> str:
    """Builds one export; returns what became of it (for logs and tests)."""
    token = claim(export_id)
    if token is None:
        return "not claimed"
    with keep_loaded_on_commit():  # progress commits keep the builder's objects
        return _build(export_id, token)


def _build(export_id: int, token: str) -> str:
    export = db.session.get(Export, export_id, populate_existing=True)
    kind = kind_of(export)
    user = db.session.get(User, export.user_id)
    db.session.commit()  # holds nothing while the builder starts (SQLite: a job's transaction takes the write lock)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        try:
            if kind is None:  # a kind this version no longer has: nothing left to build
                raise ExportError("gone")
            if user is None or not user.active or not kind.may_download(user, dict(export.params or {})):
                raise ExportError("denied")
            built = kind.build(user, dict(export.params or {}), spool, _Progress(export_id, token))
            if not _still_mine(export_id, token):
                raise LostClaim(export_id)
            spool.seek(0)
            stored = get_store().put(file_key(export_id), spool)
        except LostClaim:
            db.session.rollback()
            current_app.logger.warning("export %s: another run took over", export_id)
            return "lost"
        except Exception as exc:  # the person sees a reason and "Erneut versuchen"; the log has the rest
            db.session.rollback()
            code = exc.code if isinstance(exc, ExportError) else "storage" if isinstance(exc, StorageUnavailable) else "internal"
            if code == "internal" or code == "storage":
                current_app.logger.exception("export %s (%s) failed", export_id, export.kind)
            _finish(export_id, token, status=ExportStatus.FAILED, error=code, finished_at=clock.now(), claim=None)
            return "failed"
    now = clock.now()
    hours = int(current_app.config.get("EXPORT_RETENTION_HOURS") or 72)
    total = db.session.scalar(select(Export.total).where(Export.id == export_id))
    won = _finish(export_id, token, status=ExportStatus.READY, file_key=stored.key, size=stored.size,
                  filename=built.filename, content_type=built.content_type, finished_at=now,
                  expires_at=now + timedelta(hours=hours), heartbeat_at=now,
                  **({"done": total} if total is not None else {}))
    return "ready" if won else "lost"


# -- expiry -----------------------------------------------------------------------------------------

@jobs.task("exports.cleanup")
def cleanup() -> tuple[int, int]:
    """What the scheduler runs (the task exports.cleanup, or `flask exports cleanup` from cron):
    deletes expired files and asks again for builds that stalled. Returns both counts."""
    return delete_expired(), requeue_stale()


jobs.periodic("exports.cleanup", every=3600, offset=15 * 60)  # with the job queue: no cron needed


def requeue_stale() -> int:
    """Builds pending or running without a sign of life for longer than the lease — their job was
    lost (an in-process job when the server stopped) or their worker died — are enqueued again;
    the claim lets only one run through."""
    stale = list(db.session.scalars(select(Export.id).where(_stale(clock.now()))))
    for export_id in stale:
        jobs.enqueue("exports.build", export_id)
    db.session.commit()
    return len(stale)


def delete_expired() -> int:
    """Deletes the files past expires_at (the row stays as history, "abgelaufen") and forgets rows
    older than HISTORY_DAYS that hold no file; returns the number of files deleted."""
    now, store, deleted = clock.now(), get_store(), 0
    expired = db.session.execute(select(Export.id, Export.file_key).where(
        Export.status == ExportStatus.READY, Export.expires_at < now)).all()
    for export_id, key in expired:
        result = db.session.execute(
            update(Export).where(Export.id == export_id, Export.status == ExportStatus.READY, Export.file_key == key)
            .values(status=ExportStatus.EXPIRED, file_key=None).execution_options(synchronize_session=False))
        if result.rowcount == 1 and key:
            store.delete(key)  # before the commit: a store that fails leaves the row ready for the next run
            deleted += 1
        db.session.commit()
    db.session.execute(delete(Export).where(
        Export.created_at < now - timedelta(days=HISTORY_DAYS), Export.file_key.is_(None),
        Export.status.in_((ExportStatus.EXPIRED, ExportStatus.FAILED))).execution_options(synchronize_session=False))
    db.session.commit()
    return deleted


def file_keys_of(user: User) -> list[str]:
    """The stored files of a person's exports (for the deletion of their account)."""
    return [key for key in db.session.scalars(select(Export.file_key).where(Export.user_id == user.id)) if key]
