"""The trainer's way, by keyboard, on a desktop screen and at phone width: the admin sets up the
cohort (trainers may not create cohorts) and assigns the trainer; the trainer invites learners
from a CSV file, grades a submission from the queue with the rubric and exports the progress
matrix as XLSX."""
from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from tests.browser import seeding
from tests.browser.conftest import PASSWORD
from tests.browser.keyboard import Keyboard

pytestmark = pytest.mark.browser

COURSE = "praxis-kurs"


def main_nav(page):
    return page.get_by_role("navigation", name="Hauptnavigation")


def test_trainer_runs_a_cohort(open_page, device, live, staff, login_state, check, tmp_path):
    cohort_name = f"Potsdam 2027-{device}"

    # the admin creates the cohort and assigns the trainer
    page = open_page(login_state("admin"))
    keys = Keyboard(page)
    page.goto("/lernstand")
    keys.follow(main_nav(page).get_by_role("link", name="Kohorten"))
    check(page)
    keys.follow(page.get_by_role("link", name="Neue Kohorte anlegen"))
    check(page)
    keys.type(page.get_by_label("Name"), cohort_name)
    keys.select(page.get_by_label("Kurs"), "Praxiskurs Bürgerbeteiligung (1.0)")
    keys.select(page.get_by_label("Land"), "Brandenburg")
    keys.select(page.get_by_label("Kreis (optional)"), "Potsdam, Stadt (Kreisfreie Stadt)")
    # Chromium orders the date fields by its own UI language (month first here, whatever the page's
    # locale): with day == month the digits mean the same date either way.
    keys.type(page.get_by_label("Beginn"), "03032027", clear=False)
    assert page.get_by_label("Beginn").input_value() == "2027-03-03"
    keys.type(page.get_by_label("Plätze"), "20")
    keys.check(page.get_by_label("Tina Trainerin (tina.trainerin@example.net)"))
    keys.follow(page.get_by_role("button", name="Speichern"))
    page.get_by_role("heading", name=cohort_name).wait_for()
    assert f"Kohorte „{cohort_name}“ angelegt." in page.locator(".flashes").inner_text()
    assert "Tina Trainerin" in page.locator(".facts-list").inner_text()
    check(page)
    cohort_id = int(re.search(r"/kohorten/(\d+)", page.url).group(1))

    # the trainer invites from a CSV file
    page = open_page(login_state("trainer"))
    keys = Keyboard(page)
    page.goto("/lernstand")
    keys.follow(main_nav(page).get_by_role("link", name="Kohorten"))
    check(page)
    keys.follow(page.get_by_role("link", name=cohort_name))
    check(page)
    keys.follow(page.get_by_role("link", name="Teilnehmende einladen"))
    check(page)
    invitees = [(f"Karl Kämmerer {device}", f"karl.{device}@example.net"), (f"Frieda Förster {device}", f"frieda.{device}@example.net")]
    csv = tmp_path / "teilnehmende.csv"
    csv.write_text("Name;E-Mail;Kommune;Kreis;Position\n" + "".join(
        f"{name};{email};Stadt Potsdam;12054;Bauamt\n" for name, email in invitees), encoding="utf-8")
    keys.upload(page.get_by_label("oder Datei (CSV oder XLSX)"), csv)
    keys.follow(page.get_by_role("button", name="Vorschau anzeigen"))
    assert "Alle 2 Zeilen sind in Ordnung: 2 neue Konten" in page.locator(".success-box").inner_text()
    check(page)
    keys.follow(page.get_by_role("button", name="Alle einladen"))
    assert "2 Einladungen verschickt" in page.locator(".flashes").inner_text()
    check(page)
    for name, email in invitees:
        assert name in page.locator("table").last.inner_text()
        assert "/einladung/" in live.mails(email, "Einladung")[0].get_content()

    # a learner of the cohort hands in; the trainer grades from the queue with the rubric
    learner, learner_email = f"Greta Gutachterin {device}", f"greta.{device}@example.net"
    live.run(seeding.enrol_learner, cohort_id, learner, learner_email, PASSWORD)
    live.run(seeding.hand_in, learner_email, COURSE, "beteiligungsplan", "Wir beteiligen Anwohnende und Handel: Konsultation.")
    assert live.mails(staff["trainer"], f"von {learner}")
    keys.follow(main_nav(page).get_by_role("link", name=re.compile(r"^Bewertung")))
    check(page)
    keys.follow(page.get_by_role("link", name=re.compile(rf"^Bewerten\s*: {learner}, Beteiligungsplan$")))
    page.get_by_role("heading", name=f"Beteiligungsplan: {learner}").wait_for()
    check(page)
    keys.choose(page.get_by_role("group", name="Zielgruppen").get_by_label(re.compile(r"^2 Punkte – benannt")))
    keys.choose(page.get_by_role("group", name="Beteiligungsstufe").get_by_label(re.compile(r"^1 Punkte – gewählt")))
    assert "Bestehensgrenze erreicht." in page.locator(".points-live").inner_text()  # grading.js
    keys.type(page.get_by_label("Rückmeldung an die Lernende bzw. den Lernenden"), "Zwei Zielgruppen, Stufe begründet.")
    keys.choose(page.get_by_role("group", name="Entscheidung").get_by_label("bestanden", exact=True))
    keys.follow(page.get_by_role("button", name="Speichern", exact=True))
    assert "Bewertung gespeichert: bestanden." in page.locator(".flashes").inner_text()
    check(page)
    assert "Zwei Zielgruppen, Stufe begründet." in live.mails(learner_email, "ist bewertet")[0].get_content()

    # the progress matrix, exported as XLSX
    keys.follow(main_nav(page).get_by_role("link", name="Kohorten"))
    keys.follow(page.get_by_role("link", name=cohort_name))
    keys.follow(page.get_by_role("link", name="Fortschrittsmatrix"))
    check(page)
    workbook = tmp_path / "matrix.xlsx"
    keys.download(page.get_by_role("link", name="Als Excel (XLSX) herunterladen"), workbook)
    rows = list(load_workbook(workbook, read_only=True).worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["Name", "E-Mail"]
    by_email = {row[1]: dict(zip(header, row)) for row in rows[1:]}
    assert set(by_email) == {learner_email} | {email for _name, email in invitees}
    assert by_email[learner_email]["Status"] == "aktiv"
    assert by_email[learner_email]["1. Beteiligung planen – Aufgabe"] == "bestanden"
    assert by_email[learner_email]["1. Beteiligung planen – Wissenscheck"] == "offen"
    assert {by_email[email]["Status"] for _name, email in invitees} == {"eingeladen"}
