"""The file-store interface, its errors, and the store the configuration asks for.

A key is 32 lowercase hex characters chosen by `save` — never a user-given name, so no key can
walk out of its directory or prefix. Writes are atomic on both backends: a reader (or a database
row) never sees half a file. Callers add the database row only after `save` returned."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol


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
