"""The agency's way, by keyboard, on a desktop screen and at phone width: the dashboard, narrowed
to one Land and then to one district, the district table, and that table as XLSX."""
from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from app.regions import district as district_of
from tests.browser import seeding
from tests.browser.conftest import PASSWORD
from tests.browser.keyboard import Keyboard

pytestmark = pytest.mark.browser

# Each run gets its own district, so the counts do not depend on the other runs.
DISTRICTS = {"desktop": ("12061", "Dahme-Spreewald"), "phone": ("12062", "Elbe-Elster")}


@pytest.fixture()
def agency(live, staff, device):
    if "reporting.dashboard" not in live.app.view_functions:
        pytest.skip("app/reporting/ has no dashboard (reporting.dashboard) yet")
    email = f"agnes.{device}@example.net"
    live.run(seeding.agency_user, email, f"Agnes Agentur {device}", PASSWORD, ["12", "14"])
    ags, _name = DISTRICTS[device]
    people = [(f"Zertifizierte {n} {device}", f"zert{n}.{device}@example.net") for n in range(1, 4)]
    live.run(seeding.certified_learners, "kurz-kurs", f"Kreis {ags} ({device})", staff["trainer"], ags, people, PASSWORD)
    # three in Dresden, too: a single one there would be withheld, and with it (as its complement
    # beside the Land total) Brandenburg and the district of this run (docs/security.md)
    live.run(seeding.certified_learners, "kurz-kurs", f"Dresden ({device})", staff["trainer"], "14612",
             [(f"Sabine Sachsen {n} {device}", f"sabine{n}.{device}@example.net") for n in range(1, 4)], PASSWORD)
    return email


def test_agency_reads_the_figures_of_a_district(open_page, device, agency, login_state, check, tmp_path):
    ags, district = DISTRICTS[device]
    page = open_page(login_state(agency))
    keys = Keyboard(page)
    page.goto("/lernstand")
    keys.follow(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Berichte"))
    page.get_by_role("heading", name="Kennzahlen").wait_for()
    check(page)

    keys.select(page.get_by_label("Land", exact=True), "Brandenburg")
    keys.follow(page.get_by_role("button", name="Anzeigen"))
    assert "land=12" in page.url
    lands = page.get_by_role("table", name="Qualifizierte nach Land")
    assert "Brandenburg" in lands.inner_text() and "Sachsen" not in lands.inner_text()
    check(page)

    keys.select(page.get_by_label("Kreis", exact=True), district_of(ags).label)
    keys.follow(page.get_by_role("button", name="Anzeigen"))
    assert f"kreis={ags}" in page.url and "land=12" in page.url
    certified = page.locator("xpath=//dt[normalize-space()='Zertifiziert']/following-sibling::dd[1]")
    assert certified.inner_text().strip() == "3"  # the three of this district, not the whole Land
    check(page)

    keys.follow(page.get_by_role("navigation", name="Berichte").get_by_role("link", name="Nach Kreis"))
    assert f"kreis={ags}" in page.url  # the filters stay
    table = page.get_by_role("table", name="Qualifizierte nach Kreis")
    row = table.get_by_role("row", name=re.compile(district))
    header = table.locator("thead th").all_inner_texts()
    cells = row.locator("th, td").all_inner_texts()
    assert cells[header.index("Zertifiziert")] == "3"
    assert table.locator("tbody tr").count() == 1 and "Dresden" not in table.inner_text()
    check(page)

    workbook = tmp_path / "kreise.xlsx"
    keys.download(page.get_by_role("link", name=re.compile(r"^Excel \(XLSX\)")).first, workbook)
    rows = list(load_workbook(workbook, read_only=True).worksheets[0].iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    by_ags = {str(r[0]): dict(zip(header, r)) for r in rows[1:]}
    assert by_ags[ags]["Zertifiziert"] == 3
    assert [key for key in by_ags if key.isdigit()] == [ags]  # only the chosen district
