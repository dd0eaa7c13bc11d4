"""The file-store contract: every backend (local directory, S3) passes the same tests."""
from __future__ import annotations

import hashlib
import io

import pytest

from app.files.s3 import PART_SIZE
from app.files.store import FileTooLarge
from tests.files.conftest import crash_a_write, leftovers

MB = 1024 * 1024


class Upload(io.RawIOBase):
    """A non-seekable upload of `size` bytes that remembers the largest read asked of it, and can
    break after `fail_after` bytes like a dropped connection."""

    def __init__(self, size: int, fail_after: int | None = None):
        self.remaining, self.fail_after, self.given = size, fail_after, 0
        self.largest_read = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.largest_read = max(self.largest_read, size)
        if self.fail_after is not None and self.given >= self.fail_after:
            raise OSError("connection reset by the browser")
        n = self.remaining if size is None or size < 0 else min(size, self.remaining)
        chunk = bytes([self.given % 251]) * n
        self.remaining -= n
        self.given += n
        self.digest.update(chunk)
        return chunk


def test_save_stores_the_bytes_under_a_random_key_with_size_and_checksum(store):
    content = "Abgabe über Parkraum ".encode() * 1000
    first = store.save(io.BytesIO(content))
    second = store.save(io.BytesIO(content))
    assert first.key != second.key and len(first.key) == 32
    assert (first.size, first.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    with store.open(first.key) as stored:
        assert stored.read(10) == content[:10]
        assert stored.read() == content[10:]
    assert store.exists(first.key) and store.size(first.key) == len(content)
    assert store.checksum(first.key) == first.sha256
    assert sorted(key for key, _ in store.keys()) == sorted([first.key, second.key])
    assert leftovers(store) == []


def test_put_writes_under_a_given_key_and_replaces_it_whole(store):
    key = "0123456789abcdef" * 2
    store.put(key, io.BytesIO(b"alt"))
    stored = store.put(key, io.BytesIO(b"neu und laenger"))
    assert stored.key == key
    with store.open(key) as handle:
        assert handle.read() == b"neu und laenger"


def test_a_large_upload_is_streamed_in_bounded_pieces(store):
    upload = Upload(20 * MB + 3)
    stored = store.save(upload)
    assert stored.size == 20 * MB + 3 and stored.sha256 == upload.digest.hexdigest()
    assert 0 < upload.largest_read <= PART_SIZE  # never the whole file at once: at most one S3 part
    assert store.checksum(stored.key) == stored.sha256
    with store.open(stored.key) as handle:
        assert len(handle.read(MB)) == MB


def test_a_broken_upload_leaves_nothing_behind(store):
    with pytest.raises(OSError):
        store.save(Upload(20 * MB, fail_after=9 * MB))
    assert list(store.keys()) == []


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(store):
    with pytest.raises(FileTooLarge) as error:
        store.save(Upload(12 * MB), max_bytes=10 * MB)
    assert error.value.limit == 10 * MB
    assert list(store.keys()) == []


def test_missing_files(store):
    key = "f" * 32
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    with pytest.raises(FileNotFoundError):
        store.size(key)
    store.delete(key)  # deleting what is not there is no error


def test_delete(store):
    stored = store.save(io.BytesIO(b"weg damit"))
    store.delete(stored.key)
    assert not store.exists(stored.key) and list(store.keys()) == []


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 32, "a" * 31, "tmp/" + "a" * 28, ""])
def test_keys_cannot_leave_the_store(store, key):
    for action in (store.open, store.exists, store.delete):
        with pytest.raises(KeyError):
            action(key)


def test_a_crashed_write_is_listed_and_can_be_removed(store):
    crash_a_write(store)
    [leftover] = leftovers(store)
    store.remove_leftover(leftover)
    assert list(store.keys()) == []


def test_the_store_reports_itself_healthy(store):
    assert store.check() == "ok"
