"""The local-directory store (default): `FILE_STORAGE_DIR`, may be a volume shared by several app
servers. A file is written into a temporary file in the same tree, fsynced, then renamed into
place (atomic on POSIX); its SHA-256 is computed while it is written."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import BinaryIO, Iterator

from app.files.store import CHUNK, TMP, CountingReader, StoredFile, check_key, new_key, sha256_of


class LocalFileStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFileStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root / check_key(key)[:2] / key

    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        return self.put(new_key(), stream, max_bytes)

    def put(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        final = self.path(key)
        tmp_dir = self.root / TMP
        tmp_dir.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{key}.{os.getpid()}.{time.monotonic_ns()}.part"
        reader = CountingReader(stream, max_bytes)
        try:
            with open(tmp, "xb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return reader.stored(key)

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def checksum(self, key: str) -> str:
        with self.open(key) as stream:
            return sha256_of(stream)

    def keys(self) -> Iterator[tuple[str, float]]:
        """Stored files, plus temporary files left by a crash (as "tmp/<name>")."""
        if not self.root.exists():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if folder.name == TMP:
                    yield f"{TMP}/{path.name}", path.stat().st_mtime
                elif path.is_file():
                    yield path.name, path.stat().st_mtime

    def remove_leftover(self, key: str) -> None:
        """Deletes a stored file or a crashed write's temporary file (cleanup only)."""
        if key.startswith(f"{TMP}/"):
            name = key[len(TMP) + 1:]
            if "/" not in name and name.endswith(".part"):
                (self.root / TMP / name).unlink(missing_ok=True)
            return
        self.delete(key)

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str | None:
        return None  # served by the app itself

    def check(self) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError:
            return "unavailable"
        return "ok" if os.access(self.root, os.W_OK) else "not writable"


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
