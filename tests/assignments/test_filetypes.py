"""Content sniffing: the file's bytes decide its kind, not its name."""
from __future__ import annotations

import io
import zipfile

import pytest

from app.assignments.filetypes import extension_kind, sniff
from tests.assignments.conftest import docx_bytes, exe_bytes, odt_bytes, pdf_bytes, png_bytes


def kind(content: bytes) -> str | None:
    return sniff(io.BytesIO(content))


def ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}/x.xml", "<x/>")
    return buffer.getvalue()


def test_recognises_every_allowed_kind():
    assert kind(pdf_bytes()) == "pdf"
    assert kind(png_bytes()) == "png"
    assert kind(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == "jpg"
    assert kind(docx_bytes()) == "docx"
    assert kind(ooxml("xl")) == "xlsx"
    assert kind(ooxml("ppt")) == "pptx"
    assert kind(odt_bytes()) == "odt"
    assert kind(odt_bytes("application/vnd.oasis.opendocument.spreadsheet")) == "ods"
    assert kind(odt_bytes("application/vnd.oasis.opendocument.presentation")) == "odp"


@pytest.mark.parametrize("content", [
    exe_bytes(),                                   # a Windows program
    b"<html><script>alert(1)</script></html>",     # HTML
    b"",                                           # empty
    b"PK\x03\x04 not really a zip",                # broken ZIP
    odt_bytes("application/x-anything"),           # ZIP with an unknown ODF mimetype
])
def test_refuses_everything_else(content):
    assert kind(content) is None


def test_a_plain_zip_is_no_office_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")  # no [Content_Types].xml
    assert kind(buffer.getvalue()) is None


def test_sniffing_leaves_the_stream_at_the_start():
    stream = io.BytesIO(docx_bytes())
    sniff(stream)
    assert stream.tell() == 0


def test_extension_kind():
    assert extension_kind("Bericht.PDF") == "pdf"
    assert extension_kind("foto.jpeg") == "jpg"
    assert extension_kind("programm.exe") is None
    assert extension_kind("ohne-endung") is None
