"""Where uploaded files live: one small interface, a local directory by default.

The directory (config `FILE_STORAGE_DIR`, default `<instance>/files`) may be a volume shared by
several app servers. Files get random names, are written atomically — into a temporary file in
the same directory tree, fsynced, then renamed into place — and their SHA-256 is computed while
they are written. Callers add the database row only after `save` has returned, so a row never
points at a file that is not on disk; a crash in between leaves at most an orphaned file, which
`flask --app wsgi assignments cleanup-files` removes."""
from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from flask import current_app

CHUNK = 1024 * 1024
_TMP = "tmp"


class FileTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"file larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile: ...
    def open(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[tuple[str, float]]: ...  # (key, modification time)


class LocalFileStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
            raise KeyError(key)  # keys are ours; never let one walk out of the directory
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        key = secrets.token_hex(16)
        final = self._path(key)
        tmp_dir = self.root / _TMP
        tmp_dir.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{key}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[tuple[str, float]]:
        """Stored files, plus temporary files left by a crash (as "tmp/<name>")."""
        if not self.root.exists():
            return
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if folder.name == _TMP:
                    yield f"{_TMP}/{path.name}", path.stat().st_mtime
                elif path.is_file():
                    yield path.name, path.stat().st_mtime

    def remove_leftover(self, key: str) -> None:
        """Deletes a stored file or a crashed write's temporary file (cleanup only)."""
        if key.startswith(f"{_TMP}/"):
            name = key[len(_TMP) + 1:]
            if "/" not in name and name.endswith(".part"):
                (self.root / _TMP / name).unlink(missing_ok=True)
            return
        self.delete(key)


def _fsync_dir(path: Path) -> None:
    """Makes the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def get_store() -> LocalFileStore:
    root = current_app.config.get("FILE_STORAGE_DIR") or os.environ.get("FILE_STORAGE_DIR") \
        or os.path.join(current_app.instance_path, "files")
    return LocalFileStore(root)


def age_seconds(mtime: float) -> float:
    return time.time() - mtime
