"""Which backend a store URL names, and the store the app is configured with. Apart from the
interface (store.py) so that the backends can use its helpers without importing their chooser."""
from __future__ import annotations

import os
import threading

from flask import current_app

from app.files.store import FileStore

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


_BUILDING = threading.Lock()


def get_store() -> FileStore:
    """The configured store. An S3 client is expensive to build, so one store is kept per set of
    settings (tests change them per test), built once even when a worker's threads ask at once."""
    config = current_app.config
    if not config.get("FILE_STORAGE_DIR"):
        config["FILE_STORAGE_DIR"] = os.path.join(current_app.instance_path, "files")
    identity = tuple(config.get(name) for name in _SETTINGS)
    stores = current_app.extensions.setdefault("file_stores", {})
    store = stores.get(identity)
    if store is None:
        # Without the lock, a gunicorn worker's two threads both built one on their first requests
        # (a slow first /healthz, retried by the load balancer): two boto3 clients, 13 MiB more.
        with _BUILDING:
            store = stores.get(identity)
            if store is None:
                store = stores[identity] = open_store(config.get("FILE_STORAGE_URL"), config)
    return store
