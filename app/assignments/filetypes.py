"""Which kind of file an upload really is, decided by its content — not by its name.

Pure: no Flask, no database. PDF, PNG and JPEG are recognised by their magic bytes; the Office
Open XML formats (DOCX, XLSX, PPTX) are ZIP archives holding `[Content_Types].xml` and their
part folder (`word/`, `xl/`, `ppt/`); the OpenDocument formats (ODT, ODS, ODP) are ZIP archives
whose `mimetype` member names the format."""
from __future__ import annotations

import zipfile
from typing import BinaryIO

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
}
ALLOWED = tuple(CONTENT_TYPES)
EXTENSIONS = {**{kind: kind for kind in CONTENT_TYPES}, "jpeg": "jpg"}
_OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
OOXML = tuple(_OOXML_PARTS)
ARCHIVES = (*OOXML, "odt", "ods", "odp")  # the kinds that are ZIP archives inside
_ODF_TYPES = {CONTENT_TYPES[k]: k for k in ("odt", "ods", "odp")}


def extension_kind(filename: str) -> str | None:
    """The kind the file name claims ("bericht.JPEG" → "jpg"), None for anything unknown."""
    _stem, dot, ext = filename.rpartition(".")
    return EXTENSIONS.get(ext.lower()) if dot else None


def is_zip(stream: BinaryIO) -> bool:
    """Whether the stream starts like a ZIP archive. Leaves the stream at position 0."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    return head == b"PK\x03\x04"


def sniff(stream: BinaryIO) -> str | None:
    """The kind of file in a seekable stream, or None if it is none of the allowed kinds.
    Leaves the stream at position 0."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return "png"
        if head.startswith(b"\xff\xd8\xff"):
            return "jpg"
        if head.startswith(b"PK\x03\x04"):
            return _sniff_zip(stream)
        return None
    finally:
        stream.seek(0)


def _sniff_zip(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
                return _ODF_TYPES.get(declared)
            if "[Content_Types].xml" in names:
                for kind, folder in _OOXML_PARTS.items():
                    if any(name.startswith(folder) for name in names):
                        return kind
            return None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return None
