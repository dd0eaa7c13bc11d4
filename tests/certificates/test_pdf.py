"""Certificates read back as a person and a validator would: text, fonts, QR code, PDF/A."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from app.certificates.pdf import render_certificate

DATA = {
    "name": "Jürgen Müßig-Özdemir", "course_slug": "smart-city-manager", "course_title": "Smart City Manager:in",
    "course_version": "2027.1", "hours": 40.0,
    "modules": [{"title": "Smart City und digitale Transformation", "hours": 5.0, "objectives": ["die vier Leitlinien der Charta erläutern"]}],
    "kind": "zertifikat", "design": "smart-city-manager", "issuer": "Qualifizierungsstelle Musterland", "issuer_country": "Deutschland",
    "signatories": [{"name": "Dr. Erika Beispiel", "role": "Leitung"}], "participation": "online", "issued_on": "2027-03-26",
    "expires_on": "2032-03-26", "number": "SCM-2027-00042", "verify_url": "http://campus.test/verify/abcDEF123456789xyzAB", "cohort": "K1",
}

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (make test installs it)")


@pytest.fixture(scope="module")
def pdf_path(app, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "certificate.pdf"
    path.write_bytes(render_certificate(DATA, app.config["CERTIFICATE_DESIGNS_DIR"]))
    return path


def test_rendering_is_deterministic(app, pdf_path):
    assert render_certificate(DATA, app.config["CERTIFICATE_DESIGNS_DIR"]) == pdf_path.read_bytes()


@needs_poppler
def test_text_reads_back_with_umlauts(pdf_path):
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Zertifikat", "Jürgen Müßig-Özdemir", "Smart City Manager:in", "SCM-2027-00042", "26.03.2027",
                     "26.03.2032", "Qualifizierungsstelle Musterland", "Smart City und digitale Transformation", "online"):
        assert expected in text


@needs_poppler
def test_every_font_is_embedded(pdf_path):
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts, "no fonts found"
    for line in fonts:
        assert line.split()[-5] == "yes", line  # the "emb" column


@needs_poppler
def test_metadata(pdf_path):
    info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert "Zertifikat SCM-2027-00042" in info and "Qualifizierungsstelle Musterland" in info


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed (make test installs it)")
def test_qr_code_decodes_to_the_verification_url(pdf_path, tmp_path):
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_path), str(tmp_path / "page")], check=True)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True, check=True).stdout
    assert decoded.strip() == DATA["verify_url"]


def test_pdfa_2b_compliant_by_independent_validator(pdf_path):
    page = pytest.importorskip("page")
    report = page.validate_pdf(str(pdf_path), profile=page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, report.to_json()
