"""Copying every stored file from one store to another (local → S3, or back), each one verified
by reading it back from the target and comparing its SHA-256 with the source's."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.files.store import TMP, FileStore


@dataclass
class Migration:
    copied: int = 0
    already_there: int = 0
    failed: list[str] = field(default_factory=list)


def migrate_files(source: FileStore, target: FileStore) -> Migration:
    """Idempotent: an object already in the target with the same checksum is left alone, so an
    interrupted migration can simply be run again."""
    result = Migration()
    for key, _mtime in list(source.keys()):
        if key.startswith(f"{TMP}/"):
            continue  # a write that never finished
        try:
            if target.exists(key) and target.checksum(key) == source.checksum(key):
                result.already_there += 1
                continue
            with source.open(key) as stream:
                written = target.put(key, stream)
            if target.checksum(key) != written.sha256 or source.checksum(key) != written.sha256:
                result.failed.append(f"{key}: checksum differs after copying")
                continue
        except FileNotFoundError:
            continue  # deleted in the source while we were copying
        except OSError as exc:
            result.failed.append(f"{key}: {exc}")
            continue
        result.copied += 1
    return result
