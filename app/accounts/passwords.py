"""Password hashing with argon2id (memory-hard), parameters from the configuration.

Every hash and every check takes one of a few slots per worker process
(PASSWORD_HASH_CONCURRENCY). A burst of logins then queues for the slots instead of taking all
cores from the page requests of the learners already signed in; a check that cannot get a slot
within PASSWORD_HASH_WAIT_SECONDS is refused with 503 ("bitte gleich noch einmal") rather than
piling up.

argon2 takes its memory (19 MiB by default) with malloc and frees it after each hash. glibc hands
out an allocation that large with mmap and gives it back on free, but the first such free raises
its threshold for mmap ("dynamic mmap threshold"), and from then on each hash's memory comes from
the heap of the thread that hashes and stays resident: 19 MiB more per thread that ever checked a
password. _keep_hash_memory_returnable() fixes the threshold at glibc's default instead."""
from __future__ import annotations

import ctypes
import sys
import threading
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ServiceUnavailable

_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
_MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's initial value


def _keep_hash_memory_returnable() -> None:
    """Set once per process: every allocation over 128 KiB mmapped, and unmapped when freed.
    Measured: a gunicorn worker (2 threads) after 200 logins and 3 minutes of pages held 19-57 MiB
    more without it (docs/performance.md, "Load test and worker memory")."""
    if not sys.platform.startswith("linux"):
        return  # macOS, Windows: memory is kept or not by other rules there
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
    except Exception:  # noqa: BLE001  (musl has no mallopt; a failed tuning must never stop the app)
        pass


_keep_hash_memory_returnable()

# A hash compared against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH: dict[tuple, str] = {}


class PasswordCheckBusy(ServiceUnavailable):
    """Every password slot of this worker stayed taken for the whole wait."""

    description = _l("Gerade melden sich sehr viele Menschen gleichzeitig an. Bitte versuchen Sie es in ein paar Sekunden noch einmal.")

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("Retry-After", "5")]


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def slots() -> threading.BoundedSemaphore:
    """This process's password slots (one semaphore per app; gunicorn forks before any request,
    so each worker creates its own)."""
    extensions = current_app.extensions
    semaphore = extensions.get("password_slots")
    if semaphore is None:
        size = max(int(current_app.config["PASSWORD_HASH_CONCURRENCY"]), 1)
        semaphore = extensions.setdefault("password_slots", threading.BoundedSemaphore(size))
    return semaphore


@contextmanager
def _slot():
    semaphore = slots()
    if not semaphore.acquire(timeout=float(current_app.config["PASSWORD_HASH_WAIT_SECONDS"])):
        raise PasswordCheckBusy()
    try:
        yield
    finally:
        semaphore.release()


def hash_password(password: str) -> str:
    hasher = _hasher()
    with _slot():
        return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    if not password_hash:
        key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hash_password("not-a-password")
        password_hash = _DUMMY_HASH[key]
        try:
            with _slot():
                hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        with _slot():
            return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True for a hash made with other parameters than the configured ones (no hashing: cheap)."""
    return _hasher().check_needs_rehash(password_hash)
