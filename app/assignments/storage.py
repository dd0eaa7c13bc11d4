"""The file store moved to `app.files` (one interface for every feature, local or S3); these
names stay importable from here for code written against the old place."""
from app.files.local import LocalFileStore
from app.files.backends import get_store
from app.files.store import CHUNK, FileStore, FileTooLarge, StorageUnavailable, StoredFile

__all__ = ["CHUNK", "FileStore", "FileTooLarge", "LocalFileStore", "StorageUnavailable", "StoredFile", "get_store"]
