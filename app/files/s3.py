"""The S3-compatible object store (`FILE_STORAGE_URL=s3://bucket/prefix`): AWS S3, Open Telekom
Cloud OBS, IONOS, STACKIT, MinIO, Ceph — anything that speaks the S3 API.

boto3 is the reference S3 client: `upload_fileobj` streams a non-seekable upload as a multipart
upload in bounded memory (parts of `PART_SIZE`, at most `IN_MEMORY_PARTS` held at once) and aborts
the multipart upload when anything fails, and the object becomes visible only when the upload is
complete — so a write is atomic here as well. Reads stream the response body in chunks. Every
failure of the store (unreachable, bucket missing, wrong credentials) becomes `StorageUnavailable`.

Leftovers of a crashed multipart upload are listed by `keys()` as "tmp/<key>#<upload id>" and
aborted by `assignments cleanup-files`; a lifecycle rule "abort incomplete multipart uploads
after 1 day" on the bucket does the same on the store's side (docs/deployment.md)."""
from __future__ import annotations

import io
from typing import BinaryIO, Iterator
from urllib.parse import quote, urlsplit

from app.files.store import (CHUNK, TMP, CountingReader, FileTooLarge, StorageUnavailable, StoredFile, check_key, new_key,
                             sha256_of)

# S3's smallest part size (10,000 parts still make 48 GiB). A 100 MB upload through one gunicorn
# worker peaked 26 MiB above the worker's size with 8 MiB parts, 16 MiB with these, at the same
# speed (bench/upload_memory.py; docs/performance.md, "File store").
PART_SIZE = 5 * 1024 * 1024
IN_MEMORY_PARTS = 2
CONCURRENCY = 2


class S3FileStore:
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, addressing: str = "path",
                 retries: int = 3, connect_timeout: float = 5, read_timeout: float = 60):
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url = endpoint_url
        config = Config(
            s3={"addressing_style": addressing}, signature_version="s3v4",
            retries={"max_attempts": retries, "mode": "standard"},
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            # Many S3-compatible stores reject the CRC checksums newer boto3 sends by default.
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
        )
        session = boto3.session.Session()
        arguments = dict(endpoint_url=endpoint_url or None, region_name=region or "us-east-1",
                         aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None)
        self.client = session.client("s3", config=config, **arguments)
        # /healthz must answer within a load balancer's probe timeout: one quick try, no retries.
        self.probe = session.client("s3", config=config.merge(Config(
            retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=2)), **arguments)
        self.transfer = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=CONCURRENCY)
        self.transfer.max_in_memory_upload_chunks = IN_MEMORY_PARTS  # s3transfer's bound on buffered parts

    @classmethod
    def from_url(cls, url: str, config: dict) -> "S3FileStore":
        parts = urlsplit(url)
        if not parts.netloc:
            raise ValueError(f"FILE_STORAGE_URL {url!r} names no bucket (s3://bucket/prefix)")
        return cls(
            parts.netloc, parts.path, endpoint_url=config.get("FILE_STORAGE_S3_ENDPOINT"),
            region=config.get("FILE_STORAGE_S3_REGION"), access_key=config.get("FILE_STORAGE_S3_ACCESS_KEY"),
            secret_key=config.get("FILE_STORAGE_S3_SECRET_KEY"), addressing=config.get("FILE_STORAGE_S3_ADDRESSING") or "path",
        )

    def __repr__(self) -> str:
        return f"S3FileStore(s3://{self.bucket}/{self.prefix})"

    def _object(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        return self.put(new_key(), stream, max_bytes)

    def put(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        from boto3.exceptions import S3UploadFailedError

        name = self._object(key)
        reader = _UploadReader(stream, max_bytes)
        try:
            self.client.upload_fileobj(reader, self.bucket, name, Config=self.transfer)
        except FileTooLarge:
            raise
        except (S3UploadFailedError, *_errors()) as exc:
            raise StorageUnavailable(f"upload to {self!r} failed: {exc}") from exc
        except (KeyError, ValueError, TypeError) as exc:
            # A store that dies mid-request can answer 200 with a body botocore parses into nothing;
            # s3transfer then fails on the missing field (e.g. KeyError 'UploadId'). Still the
            # store's fault, not the upload's: the learner gets the same message.
            raise StorageUnavailable(f"upload to {self!r} failed: unusable answer ({exc!r})") from exc
        return reader.stored(key)

    def open(self, key: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except _errors() as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from exc
            raise StorageUnavailable(f"reading {key} from {self!r} failed: {exc}") from exc
        return _BodyReader(response["Body"], response["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        except _errors() as exc:
            raise StorageUnavailable(f"deleting {key} from {self!r} failed: {exc}") from exc

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except _errors() as exc:
            if _missing(exc):
                return None
            raise StorageUnavailable(f"looking up {key} in {self!r} failed: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return head["ContentLength"]

    def checksum(self, key: str) -> str:
        with self.open(key) as stream:
            return sha256_of(stream)

    def keys(self) -> Iterator[tuple[str, float]]:
        start = f"{self.prefix}/" if self.prefix else ""
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    name = item["Key"][len(start):]
                    if _is_key(name):
                        yield name, item["LastModified"].timestamp()
            for page in self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=start):
                for upload in page.get("Uploads", []):
                    name = upload["Key"][len(start):]
                    if _is_key(name):
                        yield f"{TMP}/{name}#{upload['UploadId']}", upload["Initiated"].timestamp()
        except _errors() as exc:
            raise StorageUnavailable(f"listing {self!r} failed: {exc}") from exc

    def remove_leftover(self, key: str) -> None:
        """Deletes a stored object or aborts a crashed multipart upload (cleanup only)."""
        if key.startswith(f"{TMP}/"):
            name, _, upload_id = key[len(TMP) + 1:].partition("#")
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self._object(name), UploadId=upload_id)
            except _errors() as exc:
                raise StorageUnavailable(f"aborting an upload in {self!r} failed: {exc}") from exc
            return
        self.delete(key)

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str | None:
        """A short-lived presigned GET, to be handed out only after the app's own access check."""
        return self.client.generate_presigned_url("get_object", ExpiresIn=seconds, Params={
            "Bucket": self.bucket, "Key": self._object(key), "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition(filename), "ResponseCacheControl": "private, no-store",
        })

    def check(self) -> str:
        try:
            self.probe.head_bucket(Bucket=self.bucket)
        except _errors():
            return "unavailable"
        return "ok"


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_") or "datei"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return BotoCoreError, ClientError


def _missing(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}


def _is_key(name: str) -> bool:
    try:
        check_key(name)
    except KeyError:
        return False
    return True


class _UploadReader(CountingReader):
    """Non-seekable on purpose: s3transfer then reads it part by part instead of all at once."""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


class _BodyReader(io.RawIOBase):
    """The response body as a file object that reads in chunks; a broken connection while
    reading becomes StorageUnavailable. `size` is the object's length."""

    def __init__(self, body, size: int):
        self.body, self.size = body, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.body.read(min(len(buffer), CHUNK))
        except _errors() as exc:
            raise StorageUnavailable(f"reading from the object store failed: {exc}") from exc
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.body.close()
        super().close()
