"""`store`: the same contract tests run once against the local directory and once against S3
(a fresh bucket on the real moto server of tests/s3server.py)."""
from __future__ import annotations

import pytest

from app.files.local import LocalFileStore
from app.files.backends import open_store


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalFileStore(tmp_path / "files")
    server = request.getfixturevalue("s3_server")
    settings = server.settings(server.new_bucket())
    return open_store(settings["FILE_STORAGE_URL"], settings)


def leftovers(store) -> list[str]:
    return [key for key, _ in store.keys() if key.startswith("tmp/")]


def crash_a_write(store) -> None:
    """What a process killed mid-write leaves behind: a temporary file / an open multipart upload."""
    key = "c" * 32
    if isinstance(store, LocalFileStore):
        (store.root / "tmp").mkdir(parents=True, exist_ok=True)
        (store.root / "tmp" / f"{key}.1.2.part").write_bytes(b"half")
    else:
        store.client.create_multipart_upload(Bucket=store.bucket, Key=store._object(key))
