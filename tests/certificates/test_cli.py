"""`flask certificates verify FILE.pdf` checks a PDF offline: valid, tampered, unknown key."""
from __future__ import annotations

import io

import pikepdf
import pytest
from sqlalchemy import select

from app.certificates import signing
from app.certificates.cli import cli
from app.certificates.documents import render_pdf
from app.certificates.models import Certificate
from app.certificates.pdf.seal import PAYLOAD_KEY


@pytest.fixture()
def pdf_file(db, graduate, tmp_path):
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == graduate.id))
    path = tmp_path / f"{certificate.number}.pdf"
    path.write_bytes(render_pdf(certificate))
    return path, certificate


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args))


def test_valid(app, pdf_file):
    path, certificate = pdf_file
    result = run(app, "verify", str(path))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and certificate.number in result.output and "Jürgen Müßig-Özdemir" in result.output


def test_changed_data_is_tampered(app, pdf_file, tmp_path):
    path, _certificate = pdf_file
    with pikepdf.open(path) as document:
        payload = str(document.docinfo[PAYLOAD_KEY]).replace("J\\u00fcrgen", "Erika")
        document.docinfo[PAYLOAD_KEY] = pikepdf.String(payload)
        forged = tmp_path / "forged.pdf"
        document.save(forged)
    result = run(app, "verify", str(forged))
    assert result.exit_code == 1 and "tampered" in result.output


def test_unknown_key(app, pdf_file, tmp_path):
    path, certificate = pdf_file
    saved = app.config["CERTIFICATE_SIGNING_KEY"]
    app.config["CERTIFICATE_SIGNING_KEY"] = signing.generate_private_key()  # as after a key change
    try:
        result = run(app, "verify", str(path))
        assert result.exit_code == 2 and "unknown key" in result.output
        app.config["CERTIFICATE_VERIFY_KEYS"] = signing.public_key_text(signing.load_private_key(saved))
        assert run(app, "verify", str(path)).exit_code == 0  # the former key is still trusted
    finally:
        app.config["CERTIFICATE_SIGNING_KEY"] = saved
        app.config["CERTIFICATE_VERIFY_KEYS"] = ""


def test_a_pdf_without_a_signature(app, tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 700, "Zertifikat")
    canvas.save()
    path = tmp_path / "plain.pdf"
    path.write_bytes(buffer.getvalue())
    result = run(app, "verify", str(path))
    assert result.exit_code == 3 and "unsigned" in result.output
    (tmp_path / "garbage.pdf").write_bytes(b"not a pdf")
    assert run(app, "verify", str(tmp_path / "garbage.pdf")).exit_code == 3


def test_generate_key(app):
    result = run(app, "generate-key")
    key_line = next(line for line in result.output.splitlines() if line.startswith("CERTIFICATE_SIGNING_KEY="))
    signing.load_private_key(key_line.split("=", 1)[1])


def test_render(app, pdf_file, tmp_path):
    path, certificate = pdf_file
    out = tmp_path / "out.pdf"
    result = run(app, "render", certificate.number, "-o", str(out))
    assert result.exit_code == 0 and out.read_bytes() == path.read_bytes()
