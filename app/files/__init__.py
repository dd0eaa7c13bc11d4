"""Where user files live: one interface (`store.FileStore`), a local directory by default or an
S3-compatible object store (`FILE_STORAGE_URL=s3://bucket/prefix`). Every feature that writes or
reads a stored file takes it from `get_store()`; nothing else touches the file system for user
data."""
from app.files.backends import get_store, open_store
from app.files.store import FileStore, FileTooLarge, StorageUnavailable, StoredFile

__all__ = ["FileStore", "FileTooLarge", "StorageUnavailable", "StoredFile", "get_store", "open_store"]
