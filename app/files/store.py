"""The file-store interface, its errors, and the store the configuration asks for.

A key is 32 lowercase hex characters chosen by `save` — never a user-given name, so no key can
walk out of its directory or prefix. Writes are atomic on both backends: a reader (or a database
row) never sees half a file. Callers add the database row only after `save` returned."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol

from flask import current_app

CHUNK = 1024 * 1024
TMP = "tmp"  # keys() reports a crashed write's leftovers as "tmp/<name>"


class FileTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"file larger than {limit} bytes")
        self.limit = limit


class StorageUnavailable(OSError):
    """The store could not be reached or refused the request (object store down, bucket missing,
    wrong credentials). An OSError, so callers that handle a full disk handle this the same way."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile: ...
    def put(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile: ...
    def open(self, key: str) -> BinaryIO: ...  # FileNotFoundError when there is no such file
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int: ...
    def checksum(self, key: str) -> str: ...  # SHA-256 of the stored bytes, read back
    def keys(self) -> Iterator[tuple[str, float]]: ...  # (key, modification time)
    def remove_leftover(self, key: str) -> None: ...
    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str | None: ...
    def check(self) -> str: ...  # "ok" or why not, for /healthz


def new_key() -> str:
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
        raise KeyError(key)  # keys are ours; never let one walk out of the store
    return key


class CountingReader:
    """Reads a stream through, counting and hashing, and stops at the size limit."""

    def __init__(self, stream: BinaryIO, max_bytes: int | None):
        self.stream, self.max_bytes = stream, max_bytes
        self.size, self.digest = 0, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size is not None and size >= 0 else CHUNK)
        self.size += len(chunk)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise FileTooLarge(self.max_bytes)
        self.digest.update(chunk)
        return chunk

    def stored(self, key: str) -> StoredFile:
        return StoredFile(key=key, size=self.size, sha256=self.digest.hexdigest())


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def open_store(url: str | None, config: dict) -> FileStore:
    """The store at `url` (`s3://bucket/prefix`; empty: the local directory FILE_STORAGE_DIR),
    with endpoint, region and credentials from the FILE_STORAGE_S3_* settings."""
    if not url:
        from app.files.local import LocalFileStore

        return LocalFileStore(config["FILE_STORAGE_DIR"])
    if url.startswith("s3://"):
        from app.files.s3 import S3FileStore

        return S3FileStore.from_url(url, config)
    if url.startswith("file://"):
        from app.files.local import LocalFileStore

        return LocalFileStore(url[len("file://"):])
    raise ValueError(f"FILE_STORAGE_URL must start with s3:// or file://, not {url!r}")


_SETTINGS = ("FILE_STORAGE_URL", "FILE_STORAGE_DIR", "FILE_STORAGE_S3_ENDPOINT", "FILE_STORAGE_S3_REGION",
             "FILE_STORAGE_S3_ACCESS_KEY", "FILE_STORAGE_S3_SECRET_KEY", "FILE_STORAGE_S3_ADDRESSING")


def get_store() -> FileStore:
    """The configured store. An S3 client is expensive to build, so one store is kept per set of
    settings (tests change them per test)."""
    config = current_app.config
    if not config.get("FILE_STORAGE_DIR"):
        import os

        config["FILE_STORAGE_DIR"] = os.path.join(current_app.instance_path, "files")
    identity = tuple(config.get(name) for name in _SETTINGS)
    stores = current_app.extensions.setdefault("file_stores", {})
    store = stores.get(identity)
    if store is None:
        store = stores[identity] = open_store(config.get("FILE_STORAGE_URL"), config)
    return store
