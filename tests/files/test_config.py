"""Which store the configuration gives: without FILE_STORAGE_URL the local directory exactly as
before; s3://bucket/prefix with the FILE_STORAGE_S3_* settings; nonsense refused at start."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError
from app.files import get_store
from app.files.local import LocalFileStore
from app.files.s3 import S3FileStore


def test_without_a_url_the_store_is_the_local_directory(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(tmp_path / "dateien"))
    with app.app_context():
        store = get_store()
        assert isinstance(store, LocalFileStore) and store.root == tmp_path / "dateien"


def test_an_s3_url_gives_the_s3_store_with_its_settings_and_one_client(app, monkeypatch):
    for name, value in {"FILE_STORAGE_URL": "s3://campus-dateien/prod/", "FILE_STORAGE_S3_ENDPOINT": "http://127.0.0.1:9",
                        "FILE_STORAGE_S3_REGION": "eu-de", "FILE_STORAGE_S3_ACCESS_KEY": "a", "FILE_STORAGE_S3_SECRET_KEY": "b"}.items():
        monkeypatch.setitem(app.config, name, value)
    with app.app_context():
        store = get_store()
        assert isinstance(store, S3FileStore) and (store.bucket, store.prefix) == ("campus-dateien", "prod")
        assert store.client.meta.endpoint_url == "http://127.0.0.1:9" and store.client.meta.region_name == "eu-de"
        assert get_store() is store  # built once per set of settings


def test_threads_asking_at_once_get_one_store(app, tmp_path, monkeypatch):
    """A gunicorn worker's two threads on their first requests (seen in bench/upload_memory.py:
    two boto3 clients in one worker, 13 MiB more) — the store is built once."""
    import threading
    import time

    from app.files import backends

    built = []

    def slow_open_store(url, config):
        built.append(threading.get_ident())
        time.sleep(0.2)  # as long as boto3 takes to load S3's service model, or longer
        return LocalFileStore(config["FILE_STORAGE_DIR"])

    monkeypatch.setattr(backends, "open_store", slow_open_store)
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(tmp_path / "einmal"))
    stores = []

    def first_request():
        with app.app_context():
            stores.append(get_store())

    threads = [threading.Thread(target=first_request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1 and stores[0] is stores[1]


@pytest.mark.parametrize("setting", [{"FILE_STORAGE_URL": "ftp://host/files"}, {"FILE_DOWNLOAD_REDIRECT": "sometimes"}])
def test_unusable_settings_refuse_to_start(setting):
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", **setting})
