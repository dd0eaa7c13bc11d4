"""Certificates read back as a person and a validator would: text, fonts, QR code, PDF/A,
and the signed data embedded in the file."""
from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import pytest

from app.certificates import signing
from app.certificates.designs import add_asset, design_snapshot
from app.certificates.pdf.render import render_certificate
from app.certificates.pdf.seal import read_seal

DESIGNS = Path(__file__).resolve().parents[2] / "certificates"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (make test installs it)")
KEY = signing.load_private_key(signing.generate_private_key())


def make_data(**changes) -> tuple[dict, dict]:
    design, assets = design_snapshot(str(DESIGNS), "smart-city-manager")
    signature = add_asset(assets, DESIGNS / "smart-city-manager" / "signature-1.png")
    data = {
        "name": "Jürgen Müßig-Özdemir", "course_slug": "smart-city-manager", "course_title": "Smart City Manager:in",
        "course_version": "2027.1", "hours": 40.0,
        "modules": [
            {"title": "Smart City und digitale Transformation", "hours": 5.0, "objectives": ["die vier Leitlinien der Charta erläutern"]},
            {"title": "Praxisprojekt", "hours": 2.0, "objectives": ["ein Projekt in einem Steckbrief beschreiben"]},
        ],
        "kind": "zertifikat", "design": design,
        "assessment": {"quizzes_pass_mark": 75.0, "assignments": True, "final_project": True, "trainer_approval": False},
        "issuer": "Qualifizierungsstelle Musterland", "issuer_country": "Deutschland",
        "signatories": [{"name": "Dr. Erika Mustermann", "role": "Leitung", "signature": signature}],
        "participation": "online", "issued_on": "2027-03-26", "expires_on": "2032-03-26", "number": "SCM-2027-00042",
        "verify_url": "http://campus.test/verify/abcDEF123456789xyzAB", "cohort": "K1",
    }
    data.update(changes)
    return data, assets


def seal_for(data: dict, key=KEY) -> dict:
    return {"signature": signing.sign(key, signing.canonical(data)), "key_id": signing.key_id(key)}


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def assert_pdfa(path: Path) -> None:
    page = pytest.importorskip("page")
    report = page.validate_pdf(str(path), profile=page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, report.to_json()


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory):
    data, assets = make_data()
    path = tmp_path_factory.mktemp("pdf") / "certificate.pdf"
    path.write_bytes(render_certificate(data, assets, seal_for(data)))
    return path


def test_rendering_is_deterministic(pdf_path):
    data, assets = make_data()
    assert render_certificate(data, assets, seal_for(data)) == pdf_path.read_bytes()


def test_rendering_in_another_process_a_second_later_gives_the_same_bytes(tmp_path):
    """The ICC profile is made once per process and littleCMS dates it to the second: its date
    is fixed, so a re-render by another worker is the same file (and has the same /ID)."""
    import sys
    import time

    key_text = signing.generate_private_key()
    data, assets = make_data()
    here = render_certificate(data, assets, seal_for(data, signing.load_private_key(key_text)))
    time.sleep(1.1)
    out = tmp_path / "again.pdf"
    script = (
        "import sys; from pathlib import Path; from app.certificates import signing;"
        "from tests.certificates.test_pdf import make_data, seal_for;"
        "from app.certificates.pdf.render import render_certificate;"
        "data, assets = make_data(); key = signing.load_private_key(sys.argv[2]);"
        "Path(sys.argv[1]).write_bytes(render_certificate(data, assets, seal_for(data, key)))"
    )
    subprocess.run([sys.executable, "-c", script, str(out), key_text], check=True,
                   cwd=Path(__file__).parents[2], timeout=120)
    assert out.read_bytes() == here


@needs_poppler
def test_text_reads_back_with_the_micro_credential_elements(pdf_path):
    text = text_of(pdf_path)
    for expected in (
        "Zertifikat", "Certificate", "Jürgen Müßig-Özdemir", "Smart City Manager:in", "SCM-2027-00042",
        "26.03.2027", "26.03.2032", "Qualifizierungsstelle Musterland, Deutschland",  # issuer and country
        "Smart City und digitale Transformation", "die vier Leitlinien der Charta erläutern",  # modules, outcomes
        "Arbeitsaufwand", "40 Stunden",  # workload
        "Wissenstest je Modul (Bestehensgrenze 75 %)", "Praxisprojekt als Abschlussarbeit",  # assessment forms
        "online, betreut in einer Lerngruppe",  # form of participation
        "Qualitätssicherung", "Curriculum Version 2027.1",  # quality assurance
        "Dr. Erika Mustermann", "http://campus.test/verify/abcDEF123456789xyzAB",
    ):
        assert expected in text, expected


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
    assert "Pages:           2" in info


@needs_poppler
def test_logo_and_signature_images_are_on_the_first_page(pdf_path):
    listing = subprocess.run(["pdfimages", "-list", "-f", "1", "-l", "1", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    images = [line for line in listing.splitlines()[2:] if line.split()[2] == "image"]
    masks = [line for line in listing.splitlines()[2:] if line.split()[2] == "smask"]
    assert len(images) == 2 and len(masks) == 2  # logo and signature, with transparency


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed (make test installs it)")
def test_qr_code_decodes_to_the_verification_url(pdf_path, tmp_path):
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf_path), str(tmp_path / "page")], check=True)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True, check=True).stdout
    assert decoded.strip() == "http://campus.test/verify/abcDEF123456789xyzAB"


def test_pdfa_2b_compliant_by_independent_validator(pdf_path):
    assert_pdfa(pdf_path)


def test_signed_data_travel_in_the_pdf(pdf_path):
    data, _assets = make_data()
    message, signature, signer = read_seal(pdf_path)
    assert message == signing.canonical(data)
    assert signing.check(message, signature, signer, {signing.key_id(KEY): KEY.public_key()}).status == signing.VALID


@needs_poppler
def test_a_long_course_continues_on_further_annex_pages_and_stays_pdfa(tmp_path):
    modules = [{"title": f"Modul {n}: Datenräume in Kommunen", "hours": 5.0, "objectives": ["Lernergebnis " * 12] * 5} for n in range(14)]
    data, assets = make_data(modules=modules, name="Maria-Magdalena von Hohenzollern-Sigmaringen-Wittelsbach zu Übersee")
    path = tmp_path / "long.pdf"
    path.write_bytes(render_certificate(data, assets, seal_for(data)))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 4
    text = text_of(path)
    assert "Modul 13: Datenräume in Kommunen" in text and "Qualitätssicherung" in text
    assert f"Seite {pages}/{pages}" in text
    assert_pdfa(path)


@needs_poppler
def test_teilnahmebescheinigung_states_attendance_and_no_assessment(tmp_path):
    data, assets = make_data(kind="teilnahmebescheinigung",
                             assessment={"quizzes_pass_mark": None, "assignments": False, "final_project": False, "trainer_approval": False})
    path = tmp_path / "attendance.pdf"
    path.write_bytes(render_certificate(data, assets, seal_for(data)))
    text = text_of(path)
    assert "Teilnahmebescheinigung" in text and "an der Qualifizierung teilgenommen hat" in text
    assert "keine Leistungsprüfung (Teilnahme)" in text and "Bestehensgrenze" not in text
    assert_pdfa(path)


def test_the_snapshot_not_the_design_folder_decides_the_look(tmp_path):
    """Rendering reads only the snapshot and its assets: a changed design folder changes nothing."""
    data, assets = make_data()
    before = render_certificate(data, assets, seal_for(data))
    changed = copy.deepcopy(data)
    changed["design"]["colours"]["primary"] = "#ff0000"
    assert render_certificate(changed, assets, seal_for(changed)) != before
    assert render_certificate(data, assets, seal_for(data), designs_dir=str(tmp_path)) == before
