"""Consistent backups of the database and the file store, and their restore.

SQLite: the online backup API copies a consistent snapshot while the app keeps running.
PostgreSQL: `pg_dump --format=custom` (a consistent snapshot by MVCC) and `pg_restore --clean`.
The file store (uploads; local directory or S3, through app.files) is copied next to it, one file
per stored object under files/<2 hex>/<key>; a manifest records what was saved, with SHA-256
checksums, so a restore can check the backup before touching anything. A restore writes every
saved file back into the configured store — so a backup of a local store can be restored into S3
and the other way round — and then removes the objects the backup does not know."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump/pg_restore with an argument list, never a shell
from pathlib import Path

from sqlalchemy.engine import make_url

from app import clock
from app.files.store import CHUNK, TMP, FileStore

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_tool(name: str) -> str:
    """The full path of a PostgreSQL client tool, found once on PATH (not looked up by the shell)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (e.g. Debian's postgresql-client)")
    return path


def _pg_args(url) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--username", url.username or "postgres"]
    return args, env


def create_backup(database_uri: str, file_store: FileStore | None, target: Path) -> dict:
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    url = make_url(database_uri)
    files: dict[str, str] = {}
    if url.get_backend_name() == "sqlite":
        destination = target / "database.sqlite3"
        source = sqlite3.connect(url.database)
        try:
            copy = sqlite3.connect(destination)
            with copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        kind = "sqlite"
    elif url.get_backend_name() == "postgresql":
        destination = target / "database.pgdump"
        args, env = _pg_args(url)
        result = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", *args, "--file", str(destination), url.database],
                                env=env, capture_output=True, text=True)  # nosec B603 - fixed tool, arguments from our configuration
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        kind = "postgresql"
    else:
        raise BackupError(f"unsupported database {url.get_backend_name()}")
    files[destination.name] = _sha256(destination)
    if file_store is not None:
        files.update(_copy_files_out(file_store, target))
    manifest = {"created_at": clock.now().isoformat(), "database": kind, "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def verify_backup(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no readable {MANIFEST}: {exc}")
    for name, checksum in manifest["files"].items():
        path = source / name
        if not path.is_file() or _sha256(path) != checksum:
            raise BackupError(f"backup damaged: {name} is missing or its checksum differs")
    return manifest


def _copy_files_out(store: FileStore, target: Path) -> dict[str, str]:
    files = {}
    for key, _mtime in list(store.keys()):
        if key.startswith(f"{TMP}/"):
            continue  # a write that never finished
        name = f"files/{key[:2]}/{key}"
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            with store.open(key) as source, path.open("xb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except FileNotFoundError:
            path.unlink(missing_ok=True)  # deleted while we listed
            continue
        files[name] = digest.hexdigest()
    return files


def _copy_files_in(store: FileStore, source: Path, manifest: dict) -> None:
    saved = {name.rsplit("/", 1)[1]: name for name in manifest["files"] if name.startswith("files/")}
    for key, name in sorted(saved.items()):
        with (source / name).open("rb") as stream:
            stored = store.put(key, stream)
        if stored.sha256 != manifest["files"][name]:
            raise BackupError(f"restoring {name} failed: the stored checksum differs")
    for key, _mtime in list(store.keys()):
        if key not in saved:
            store.remove_leftover(key)


def restore_backup(database_uri: str, file_store: FileStore | None, source: Path) -> dict:
    """Replaces the database and the file store with the backup. Stop the app servers first."""
    manifest = verify_backup(source)
    url = make_url(database_uri)
    if manifest["database"] != ("sqlite" if url.get_backend_name() == "sqlite" else "postgresql"):
        raise BackupError(f"the backup is of a {manifest['database']} database, the target is {url.get_backend_name()}")
    if manifest["database"] == "sqlite":
        backup = sqlite3.connect(source / "database.sqlite3")
        try:
            live = sqlite3.connect(url.database)
            with live:
                backup.backup(live)
            live.close()
        finally:
            backup.close()
    else:
        args, env = _pg_args(url)
        result = subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
                                 "--dbname", url.database, str(source / "database.pgdump")],
                                env=env, capture_output=True, text=True)  # nosec B603 - fixed tool, arguments from our configuration
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    if file_store is not None:
        _copy_files_in(file_store, source, manifest)
    return manifest
