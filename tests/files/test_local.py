"""The local file store's own guarantees (fsync, the directory layout); the behaviour both stores
share is in test_contract.py."""
from __future__ import annotations

import hashlib
import io

import pytest

from app.files import local as storage
from app.files.local import LocalFileStore
from app.files.store import CHUNK, FileTooLarge
from tests.assignments.conftest import stored_files


def test_save_writes_the_file_under_a_random_name_with_its_checksum(tmp_path):
    store = LocalFileStore(tmp_path / "files")
    content = b"Inhalt " * 1000
    first = store.save(io.BytesIO(content))
    second = store.save(io.BytesIO(content))
    assert first.key != second.key and len(first.key) == 32
    assert first.sha256 == hashlib.sha256(content).hexdigest() and first.size == len(content)
    with store.open(first.key) as stored:
        assert stored.read() == content
    assert [p.name for p in stored_files(tmp_path / "files")] == sorted([first.key, second.key])  # no temp files left


class _BrokenStream(io.BytesIO):
    """Delivers the first chunk, then the connection drops."""

    def __init__(self):
        super().__init__(b"x" * (CHUNK * 3))
        self.calls = 0

    def read(self, size=-1):
        self.calls += 1
        if self.calls > 1:
            raise OSError("connection reset")
        return super().read(size)


def test_a_failure_while_writing_leaves_no_partial_file(tmp_path):
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(OSError):
        store.save(_BrokenStream())
    assert stored_files(tmp_path / "files") == []


def test_a_failing_fsync_leaves_no_file(tmp_path, monkeypatch):
    store = LocalFileStore(tmp_path / "files")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        store.save(io.BytesIO(b"data"))
    assert stored_files(tmp_path / "files") == []


def test_a_file_over_the_limit_is_refused_and_removed(tmp_path):
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(FileTooLarge):
        store.save(io.BytesIO(b"x" * 2000), max_bytes=1000)
    assert stored_files(tmp_path / "files") == []


def test_keys_cannot_leave_the_store(tmp_path):
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(KeyError):
        store.open("../../etc/passwd")
