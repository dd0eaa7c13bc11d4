"""Uploads that are ZIP archives (Office Open XML, OpenDocument): zip bombs, lying headers and
damaged archives are refused; real documents pass. Pure: app/assignments/archives.py."""
from __future__ import annotations

import io
import time
import zipfile

import pytest

from app.assignments.archives import ArchiveLimits, ArchiveRefused, check_archive
from tests.assignments.conftest import docx_bytes, odt_bytes, overlapping_docx, with_declared_size, zip_bomb_docx

LIMITS = ArchiveLimits()  # the defaults: 100 MB unpacked, 1,000 entries, 100 : 1


def refusal(content: bytes, limits: ArchiveLimits = LIMITS) -> str | None:
    try:
        check_archive(io.BytesIO(content), limits)
    except ArchiveRefused as refused:
        return refused.reason
    return None


def archive(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as out:
        for name, data in entries.items():
            out.writestr(name, data)
    return buffer.getvalue()


def test_real_documents_pass():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in range(1, 2001):  # a real spreadsheet of some size: 2,000 rows of text and numbers
        sheet.append([f"Datensatz {row}", "Verkehr", row * 1.5, "Stadt Potsdam"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert refusal(buffer.getvalue()) is None
    assert refusal(docx_bytes()) is None
    assert refusal(odt_bytes()) is None


def test_the_probes_zip_bomb_is_refused_from_its_directory_without_unpacking():
    bomb = zip_bomb_docx()
    assert len(bomb) < 250 * 1024  # ~204 KB holding 200 MB of zeros
    started = time.perf_counter()
    assert refusal(bomb) == ArchiveRefused.TOO_LARGE
    assert time.perf_counter() - started < 0.5  # nothing was unpacked


def test_an_entry_packed_tighter_than_the_ratio_is_refused_even_under_the_size_limit():
    content = archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": bytes(5 * 1024 * 1024)})  # 5 MB → ~5 KB
    assert refusal(content) == ArchiveRefused.RATIO
    assert refusal(content, ArchiveLimits(max_ratio=10_000)) is None


def test_too_many_entries_are_refused():
    entries = {"[Content_Types].xml": b"<Types/>", **{f"word/part{i}.xml": b"<p/>" for i in range(1001)}}
    assert refusal(archive(entries)) == ArchiveRefused.TOO_MANY_ENTRIES
    assert refusal(archive(entries), ArchiveLimits(max_entries=2000)) is None


def test_headers_that_understate_an_entry_are_caught_by_the_bounded_read():
    # 10 MB of zeros declared as 1,000 bytes (so neither size nor ratio looks suspicious)
    content = archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": bytes(10 * 1024 * 1024)})
    lying = with_declared_size(content, "word/document.xml", 1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("word/document.xml").file_size == 1000
    assert refusal(lying) == ArchiveRefused.DAMAGED


def test_lying_headers_never_unpack_past_the_limit():
    # an honest-looking 90 MB in total under a 100 MB limit, but the entries hold 160 MB
    entries = {f"word/part{i}.bin": bytes(20 * 1024 * 1024) for i in range(8)}
    content = archive({"[Content_Types].xml": b"<Types/>", **entries})
    for name in entries:
        content = with_declared_size(content, name, 11 * 1024 * 1024)
    assert refusal(content, ArchiveLimits(max_ratio=10_000)) in (ArchiveRefused.DAMAGED, ArchiveRefused.TOO_LARGE)


def test_overlapping_entries_are_refused():
    content = overlapping_docx()
    assert len(zipfile.ZipFile(io.BytesIO(content)).infolist()) == 51  # one packed megabyte listed 50 times
    assert refusal(content, ArchiveLimits(max_ratio=10_000)) == ArchiveRefused.DAMAGED


@pytest.mark.parametrize("content", [
    b"PK\x03\x04 not really a zip",
    docx_bytes()[:-30],  # cut short
    docx_bytes().replace(b"<document/>", b"<documenX/>"),  # a changed byte: CRC mismatch
])
def test_damaged_archives_are_refused(content):
    assert refusal(content) == ArchiveRefused.DAMAGED


def test_the_check_leaves_the_stream_at_the_start():
    stream = io.BytesIO(docx_bytes())
    check_archive(stream, LIMITS)
    assert stream.tell() == 0
