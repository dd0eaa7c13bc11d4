"""A prepared download in the browser: the agency asks for the certificate register as XLSX, the
status page shows that it is being built, then — without a reload — offers the file, announcing
it politely; checked with axe-core and the Nu HTML Checker in both states, by keyboard."""
from __future__ import annotations

import threading

import pytest
from openpyxl import load_workbook

from tests.browser import seeding
from tests.browser.conftest import PASSWORD
from tests.browser.keyboard import Keyboard

pytestmark = pytest.mark.browser


@pytest.fixture()
def held_build(live, monkeypatch):
    """The agency's exports go through the queue, and their build waits for the test's signal, so
    the page is seen while the file is still being built."""
    from app.exports import services

    kind = services.KINDS["reporting.table"]
    gate = threading.Event()

    def build(user, params, target, progress):
        assert gate.wait(20), "the test never let the build go on"
        return kind.build(user, params, target, progress)

    monkeypatch.setitem(live.app.config, "EXPORT_IMMEDIATE_ROWS", 0)
    monkeypatch.setitem(services.KINDS, kind.name, services.Kind(kind.name, build, kind.may_download, kind.unit, kind.immediate_setting))
    yield gate
    gate.set()


@pytest.mark.parametrize("device", ["desktop"])
def test_the_status_page_turns_into_the_download_by_itself(open_page, live, staff, login_state, check, held_build, tmp_path):
    email = "erika.export@example.net"
    live.run(seeding.agency_user, email, "Erika Export", PASSWORD, ["12"])
    people = [(f"Exportierte {n}", f"exportierte{n}@example.net") for n in range(1, 4)]
    live.run(seeding.certified_learners, "kurz-kurs", "Kreis 12063 (Export)", staff["trainer"], "12063", people, PASSWORD)

    page = open_page(login_state(email))
    keys = Keyboard(page)
    page.goto("/berichte/register")
    keys.follow(page.get_by_role("link", name="Excel (XLSX)").first)
    page.get_by_role("heading", name="Bericht „Zertifikatsregister“ (XLSX)").wait_for()
    check(page)
    keys.follow(page.get_by_role("button", name="Datei erstellen"))
    assert "/meine-downloads/" in page.url
    page.get_by_text("Die Datei wird erstellt …").first.wait_for()
    assert page.get_by_label("Fortschritt").count() == 1  # the <progress> has its label
    assert page.get_by_role("link", name="Aktualisieren").count() == 1  # the way without JavaScript
    check(page)

    page.evaluate("window.stillTheSamePage = true")
    held_build.set()
    link = page.get_by_role("link", name="herunterladen")
    link.wait_for(timeout=15_000)
    assert page.evaluate("window.stillTheSamePage === true")  # no reload: the script put the link in
    assert page.locator("#export-announce").inner_text() == "Die Datei ist fertig."
    assert page.locator("#export-announce").get_attribute("aria-live") == "polite"
    check(page)

    workbook = tmp_path / "register.xlsx"
    keys.download(link, workbook)
    rows = list(load_workbook(workbook, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Nummer" and len(rows) - 1 >= 3
    assert all(row[-1] == "Brandenburg" for row in rows[1:])

    page.goto("/meine-downloads")
    page.get_by_role("table", name="Ihre angeforderten Dateien").wait_for()
    check(page)
