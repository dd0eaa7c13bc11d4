"""Limits for uploads that are ZIP archives (DOCX, XLSX, PPTX, ODT, ODS, ODP): a file that unpacks
to far more than it weighs — a "zip bomb" — is refused before anyone opens it.

Pure: no Flask, no database. The central directory is checked first (entry count, declared total
size, compression ratio per entry, compressed sizes that fit into the file), without unpacking
anything. Then every entry is unpacked once, in small chunks, counting the bytes that really come
out: a header that declares less than its entry holds cannot get past the limit, and a damaged or
tampered entry fails its CRC check. Nothing unpacked is kept."""
from __future__ import annotations

import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 64 * 1024
_ENCRYPTED = 0x1
# signature, version, flags, method, time, date, CRC-32, sizes, name and extra field lengths
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")


@dataclass(frozen=True)
class ArchiveLimits:
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_entries: int = 1000
    # Unpacked ÷ packed size of one entry. Office XML packs about 5–20 : 1; deflate reaches ~1,000 : 1
    # on zeros. Apache POI (ZipSecureFile) refuses above 100 : 1 too, for entries past 100 KB.
    max_ratio: float = 100.0
    ratio_grace_bytes: int = 100 * 1024


class ArchiveRefused(Exception):
    """The archive breaks a limit or cannot be read; `reason` is one of the constants below."""

    TOO_MANY_ENTRIES = "too_many_entries"
    TOO_LARGE = "too_large"
    RATIO = "ratio"
    DAMAGED = "damaged"

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def check_archive(stream: BinaryIO, limits: ArchiveLimits) -> None:
    """Raises ArchiveRefused if the ZIP archive in the seekable `stream` is over a limit, damaged,
    encrypted or lies about its sizes. Leaves the stream at position 0."""
    stream.seek(0, os.SEEK_END)
    file_size = stream.tell()
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            _check_directory(entries, file_size, limits)
            _unpack_counting(stream, entries, limits)
    except ArchiveRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{type(exc).__name__}: {exc}") from None
    finally:
        stream.seek(0)


def _check_directory(entries: list[zipfile.ZipInfo], file_size: int, limits: ArchiveLimits) -> None:
    """What the central directory declares, before anything is unpacked."""
    if len(entries) > limits.max_entries:
        raise ArchiveRefused(ArchiveRefused.TOO_MANY_ENTRIES, f"{len(entries)} entries")
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_unpacked_bytes:
        raise ArchiveRefused(ArchiveRefused.TOO_LARGE, f"{declared} bytes declared")
    # Entries that share their packed data (overlapping entries, the densest kind of zip bomb)
    # declare more packed bytes than the file has.
    if sum(entry.compress_size for entry in entries) > file_size:
        raise ArchiveRefused(ArchiveRefused.DAMAGED, "packed sizes exceed the file")
    for entry in entries:
        if entry.flag_bits & _ENCRYPTED:
            raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{entry.filename}: encrypted")
        if entry.file_size > limits.ratio_grace_bytes and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise ArchiveRefused(ArchiveRefused.RATIO, f"{entry.filename}: {entry.file_size} from {entry.compress_size} bytes")


def _unpack_counting(stream: BinaryIO, entries: list[zipfile.ZipInfo], limits: ArchiveLimits) -> None:
    """Unpacks every entry's raw data itself, in chunks of at most CHUNK bytes out, counting what
    comes out — never trusting a declared size. It stops as soon as an entry gives more than it
    declared or the whole more than the limit, so no more than one chunk past either is ever
    produced. An entry must end where its packed data ends and match its CRC-32."""
    total = 0
    for entry in entries:
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # all that OOXML and ODF allow
            raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{entry.filename}: compression method {entry.compress_type}")
        stream.seek(entry.header_offset)
        header = stream.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{entry.filename}: no local header")
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        stream.seek(name_length + extra_length, os.SEEK_CUR)
        inflater = zlib.decompressobj(-zlib.MAX_WBITS) if entry.compress_type == zipfile.ZIP_DEFLATED else None
        produced, crc, left = 0, 0, entry.compress_size
        while left > 0:
            packed = stream.read(min(CHUNK, left))
            if not packed:
                raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{entry.filename}: packed data cut short")
            left -= len(packed)
            for piece in _pieces(inflater, packed, last=left == 0):
                produced += len(piece)
                total += len(piece)
                if produced > entry.file_size:
                    raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{entry.filename}: more data than declared")
                if total > limits.max_unpacked_bytes:
                    raise ArchiveRefused(ArchiveRefused.TOO_LARGE, f"more than {limits.max_unpacked_bytes} bytes unpacked")
                crc = zlib.crc32(piece, crc)
        if inflater is not None and (not inflater.eof or inflater.unused_data):
            raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{entry.filename}: packed data does not end with the entry")
        if produced != entry.file_size or crc != entry.CRC:
            raise ArchiveRefused(ArchiveRefused.DAMAGED, f"{entry.filename}: {produced} of {entry.file_size} bytes, CRC mismatch")


def _pieces(inflater, packed: bytes, last: bool):
    """The unpacked data of `packed`, in pieces of at most CHUNK bytes (stored entries: as is)."""
    if inflater is None:
        yield packed
        return
    pending = packed
    while pending and not inflater.eof:
        yield inflater.decompress(pending, CHUNK)
        pending = inflater.unconsumed_tail
    if last and not inflater.eof:
        yield inflater.flush(CHUNK)
