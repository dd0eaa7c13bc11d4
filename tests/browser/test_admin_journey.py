"""The admin's way, by keyboard, on a desktop screen and at phone width: check and import a course
from the course folder, revoke a certificate, and see the public verify page say so."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.browser import seeding
from tests.browser.conftest import BROWSER_COURSES, PASSWORD
from tests.browser.keyboard import Keyboard

pytestmark = pytest.mark.browser


def main_nav(page):
    return page.get_by_role("navigation", name="Hauptnavigation")


@pytest.fixture()
def course_folder(live, device, tmp_path, monkeypatch):
    """The server's course folder holds one new course for this run (a copy of the journeys' course
    under its own slug and title)."""
    folder = tmp_path / "courses"
    slug, title = f"import-kurs-{device}", f"Importkurs Beteiligung ({device})"
    shutil.copytree(BROWSER_COURSES / "praxis-kurs", folder / slug)
    course_yml = folder / slug / "course.yml"
    course_yml.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", course_yml.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setitem(live.app.config, "COURSES_DIR", str(folder))
    return slug, title


def test_admin_imports_a_course(open_page, course_folder, login_state, check):
    slug, title = course_folder
    page = open_page(login_state("admin"))
    keys = Keyboard(page)
    page.goto("/lernstand")
    keys.follow(main_nav(page).get_by_role("link", name="Kursimport"))
    check(page)
    keys.follow(page.get_by_role("button", name="Nur prüfen"))
    assert "Alle geprüften Kurse sind gültig." in page.locator("main").inner_text()
    assert f"{title} ({slug}, Version 1.0)" in page.locator("main").inner_text()
    check(page)
    keys.follow(page.get_by_role("button", name="Prüfen und importieren"))
    assert "Import abgeschlossen." in page.locator("main").inner_text()
    imported = page.get_by_role("table", name="Importierte Kurse")
    assert imported.get_by_role("row", name=re.compile(re.escape(title))).get_by_text("aktiv").is_visible()
    check(page)


def test_admin_revokes_a_certificate(open_page, device, live, staff, login_state, check):
    learner, email = f"Rita Widerruf {device}", f"rita.{device}@example.net"
    cohort_id = live.run(seeding.create_cohort, "kurz-kurs", f"Widerruf 2027 ({device})", staff["trainer"])
    live.run(seeding.enrol_learner, cohort_id, learner, email, PASSWORD)
    number = live.run(seeding.complete_course, email, "kurz-kurs")

    page = open_page(login_state("admin"))
    keys = Keyboard(page)
    page.goto("/lernstand")
    keys.follow(main_nav(page).get_by_role("link", name="Zertifikate"))
    check(page)
    keys.follow(page.get_by_role("link", name=number, exact=True))
    page.get_by_role("heading", name=f"Zertifikat {number}").wait_for()
    check(page)
    keys.type(page.get_by_label("Grund des Widerrufs"), "Prüfungsleistung nachträglich aberkannt.")
    keys.follow(page.get_by_role("button", name="Zertifikat widerrufen"))
    assert f"Zertifikat {number} ist widerrufen." in page.locator(".flashes").inner_text()
    assert "widerrufen am" in page.locator(".facts-list").inner_text()
    check(page)

    keys.follow(page.locator(".facts-list a[href*='/verify/']"))
    assert re.fullmatch(r"Widerrufen am \d{2}\.\d{2}\.\d{4}", page.locator(".verify-status").inner_text())
    assert learner in page.locator("main").inner_text()
    assert "Prüfungsleistung" not in page.locator("main").inner_text()  # the reason stays in the register
    check(page)
