"""Fixtures for assignments: a file store in a temporary folder, a cohort with a trainer, a
learner whose assignment module is open, and sample files of every allowed kind."""
from __future__ import annotations

import functools
import io
import re
import struct
import zipfile

import pytest
from sqlalchemy import select

from app.catalogue.models import Assignment, Module

URL = "/kurse/kurz-kurs/02-abschluss/aufgaben/reflexion"


@pytest.fixture(autouse=True)
def file_store(app, tmp_path, monkeypatch):
    folder = tmp_path / "files"
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(folder))
    monkeypatch.setitem(app.config, "TRAINER_NOTIFICATIONS", "immediate")
    return folder


def stored_files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture()
def assignment(db) -> Assignment:
    """The test course's assignment, set to accept text and files (1 MB each)."""
    row = db.session.scalar(select(Assignment).join(Module).where(Module.slug == "02-abschluss", Assignment.slug == "reflexion"))
    row.settings = {**row.settings, "submission": "both", "file_types": ["pdf", "docx", "odt", "png", "jpg"], "max_file_mb": 1}
    db.session.flush()
    return row


def open_first_module(db, enrolment) -> None:
    from app.progress.models import ItemType
    from app.progress.services import complete_item

    module = db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))
    for lesson in module.lessons:
        complete_item(enrolment, ItemType.LESSON, lesson.id, module)
    for quiz in module.quizzes:
        complete_item(enrolment, ItemType.QUIZ, quiz.id, module)
    db.session.flush()


@pytest.fixture()
def trainer(make):
    return make.user("trainer", name="Tom Trainer")


@pytest.fixture()
def cohort(make, trainer):
    return make.cohort(trainers=[trainer])


@pytest.fixture()
def learner(make, db, cohort, assignment):
    """An enrolment whose second module (with the assignment) is open."""
    enrolment = make.enrolment(user=make.user("learner", name="Lena Lernende"), cohort=cohort)
    open_first_module(db, enrolment)
    return enrolment


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def odt_bytes(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode."


def upload(browser, text: str = "", files=(), action: str = "save", **extra):
    """Posts the submission form like a browser: text plus (name, bytes) files."""
    browser.get(URL)
    data = {"text": text, "action": action, **extra}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return browser.post(URL, data, content_type="multipart/form-data")


def submission_id_from(page: str) -> int:
    return int(re.search(r"/bewertung/(\d+)", page).group(1))


def browser_for(app, user):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(user)
    return browser


@functools.cache
def zip_bomb_docx(megabytes: int = 200) -> bytes:
    """A DOCX-shaped archive of about 200 KB that unpacks to 200 MB of zeros (the probe's file)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        with archive.open("word/media/image1.bin", "w") as member:
            block = bytes(1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
    return buffer.getvalue()


def with_declared_size(content: bytes, name: str, declared: int) -> bytes:
    """The archive with the unpacked size of entry `name` rewritten to `declared` in both its
    local header and the central directory — headers that lie about what the entry holds."""
    data = bytearray(content)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46:position + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, position + 24, declared)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def overlapping_docx(copies: int = 50) -> bytes:
    """A DOCX-shaped archive whose central directory lists one packed megabyte of zeros `copies`
    times under different names (overlapping entries, the densest kind of zip bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/d000.xml", bytes(1024 * 1024))
    data = buffer.getvalue()
    start = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)  # the second entry's directory record
    end_record = data.rfind(b"PK\x05\x06")
    record = data[start:end_record]
    records = [data[data.find(b"PK\x01\x02"):start]] + [record.replace(b"d000", f"d{i:03d}".encode()) for i in range(copies)]
    directory = b"".join(records)
    offset = data.find(b"PK\x01\x02")
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(records), len(records), len(directory), offset, 0)
    return data[:offset] + directory + end


def fake_docx() -> bytes:
    """An ordinary ZIP archive named .docx: Word parts, but no [Content_Types].xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()
