"""The walking skeleton in a real browser: log in, read, mark done, pass the quiz, download the
certificate and verify it."""
from __future__ import annotations

import re
import subprocess
import shutil

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser


@pytest.fixture()
def enrolled_learner(live_server):
    app, _ = live_server
    with app.app_context():
        from app.demo import seed
        from app.extensions import db

        seed("kurz-kurs")
        db.session.commit()
    return "learner@example.org", app.config["DEMO_PASSWORD"]


def answer_quiz_correctly(page) -> None:
    page.get_by_label("2017").check()
    page.get_by_label("Transparenz, Teilhabe und Mitgestaltung").check()
    page.get_by_label("Ressourcen, Kompetenzen und Kooperationen").check()
    page.get_by_label("Falsch").check()
    page.get_by_label("Ihre Antwort", exact=True).fill("Behörde")
    page.get_by_label("Ihre Antwort (Zahl)").fill("72")
    for left, right in (("OZG", "Onlinezugangsgesetz"), ("DSGVO", "Datenschutz-Grundverordnung"), ("EfA", "Einer für Alle")):
        page.get_by_label(left, exact=True).select_option(label=right)
    for position, item in enumerate(("Bestandsaufnahme", "Strategie", "Umsetzung"), start=1):
        page.get_by_label(item, exact=True).select_option(str(position))


def test_learner_goes_from_login_to_a_verified_certificate(page, enrolled_learner, tmp_path, check):
    email, password = enrolled_learner
    page.goto("/")
    check(page)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Mein Lernstand").wait_for()
    check(page)

    page.get_by_role("link", name="Kurzkurs Smart City").click()
    check(page)
    page.get_by_role("link", name="Grundlagen").click()
    check(page)
    page.get_by_role("link", name="Was ist eine Smart City?").click()
    check(page)
    assert page.locator(".callout-praxis").inner_text().startswith("Praxis: Aus der Verwaltung")
    page.get_by_role("button", name="Als erledigt markieren").click()
    page.get_by_role("heading", name="Die Charta").wait_for()  # next lesson
    page.get_by_role("button", name="Als erledigt markieren").click()

    page.get_by_role("link", name="Wissenscheck Grundlagen").click()
    check(page)
    page.get_by_role("button", name="Test starten").click()
    check(page)
    answer_quiz_correctly(page)
    page.get_by_role("button", name="Zwischenspeichern").click()
    assert page.get_by_label("Ihre Antwort (Zahl)").input_value() == "72"  # saved and shown again
    page.get_by_role("button", name="Test abgeben").click()
    assert "Bestanden." in page.locator("main").inner_text()
    check(page)

    page.goto("/kurse/kurz-kurs/02-abschluss/rueckblick")
    check(page)
    page.get_by_role("button", name="Als erledigt markieren").click()
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Mein Lernstand").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Zertifikat herunterladen (PDF)").click()
    pdf = tmp_path / "zertifikat.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    if shutil.which("zbarimg"):
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
        verify_url = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True, check=True).stdout.strip()
    else:
        pytest.fail("zbarimg missing: make test installs zbar-tools")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/verify/[A-Za-z0-9_-]+", verify_url)

    page.get_by_role("button", name="Abmelden").click()
    page.goto(verify_url)  # anyone, logged out
    assert page.locator(".verify-status").inner_text() == "Gültig"
    check(page)
    assert "Lena Lernende" in page.locator("main").inner_text()
