"""The learner's whole way, by keyboard, on a desktop screen and at phone width: from the invitation
mail to a certificate verified through its QR code. The trainer's side (grading) happens meanwhile
through the services; the trainer journey drives it in the browser."""
from __future__ import annotations

import re
import shutil
import subprocess
from urllib.request import urlopen

import pytest

from tests.browser import seeding
from tests.browser.conftest import PASSWORD, ROOT
from tests.browser.keyboard import Keyboard
from tests.certificates.independent import verify_credentials

pytestmark = pytest.mark.browser

COURSE = "praxis-kurs"
ASSIGNMENT = "beteiligungsplan"
DEMO_COURSES = ROOT / "courses"  # the demo course(s) that `make run` imports


def qr_url(pdf, folder) -> str:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.fail("pdftoppm or zbarimg missing: make test installs poppler-utils and zbar-tools")
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(folder / "page")], check=True)
    return subprocess.run(["zbarimg", "-q", "--raw", str(folder / "page.png")], capture_output=True, text=True, check=True).stdout.strip()


def answer_quiz(page, keys: Keyboard, level: str, binding: str) -> None:
    keys.choose(page.get_by_label(level, exact=True))
    keys.choose(page.get_by_label(binding, exact=True))


def test_learner_from_invitation_to_verified_certificate(open_page, device, live, staff, check, tmp_path):
    email, name = f"lea.{device}@example.net", "Lea Lernwillig"
    cohort_id = live.run(seeding.create_cohort, COURSE, f"Beteiligung 2027 ({device})", staff["trainer"])
    live.run(seeding.invite, cohort_id, [(name, email)], staff["trainer"])
    invitation = live.mails(email, "Einladung")[0].get_content()
    link = re.search(r"http://127\.0\.0\.1:\d+/einladung/\S+", invitation).group(0)

    page = open_page()
    keys = Keyboard(page)

    # the invitation: password and profile
    page.goto(link)
    page.get_by_role("heading", name="Willkommen bei der Qualifizierung").wait_for()
    check(page)
    assert page.get_by_label("Name", exact=True).input_value() == name  # from the invitation list
    keys.type(page.get_by_label("Passwort", exact=True), PASSWORD)
    keys.type(page.get_by_label("Passwort wiederholen"), PASSWORD)
    keys.type(page.get_by_label("Kommune"), "Landeshauptstadt Potsdam")
    keys.select(page.get_by_label("Landkreis oder kreisfreie Stadt"), "Potsdam, Stadt (Kreisfreie Stadt)")
    keys.follow(page.get_by_role("button", name="Konto einrichten"))
    page.get_by_role("heading", name="Mein Lernstand").wait_for()
    assert "Ihr Konto ist eingerichtet" in page.locator(".flashes").inner_text()
    check(page)

    # a module: its lesson
    keys.follow(page.get_by_role("link", name="Praxiskurs Bürgerbeteiligung"))
    check(page)
    keys.follow(page.get_by_role("link", name="Beteiligung planen"))
    check(page)
    keys.follow(page.get_by_role("link", name="Stufen der Beteiligung"))
    assert "Praxis: Aus der Verwaltung" in page.locator(".callout-praxis").inner_text()
    check(page)
    keys.follow(page.get_by_role("button", name="Als erledigt markieren"))
    page.get_by_role("heading", name="Beteiligung planen", level=1).wait_for()  # back on the module page
    assert page.locator("ol.item-list").get_by_text("erledigt").is_visible()

    # its quiz: failed first, passed on the second attempt
    keys.follow(page.get_by_role("link", name="Wissenscheck Beteiligung"))
    check(page)
    keys.follow(page.get_by_role("button", name="Test starten"))
    check(page)
    answer_quiz(page, keys, "Information", "Wahr")
    keys.follow(page.get_by_role("button", name="Test abgeben"))
    assert "Nicht bestanden" in page.locator("main").inner_text()
    assert "Information ist die erste Stufe" in page.locator("main").inner_text()  # the chosen option's feedback
    check(page)
    keys.follow(page.get_by_role("navigation", name="Brotkrümelnavigation").get_by_role("link", name="Wissenscheck Beteiligung"))
    check(page)  # now with the table of attempts
    keys.follow(page.get_by_role("button", name="Test starten"))
    answer_quiz(page, keys, "Mitentscheidung", "Falsch")
    keys.follow(page.get_by_role("button", name="Test abgeben"))
    assert "Bestanden." in page.locator("main").inner_text()
    check(page)

    # its assignment: handed in, revision requested, handed in again, passed
    keys.follow(page.get_by_role("navigation", name="Brotkrümelnavigation").get_by_role("link", name="Beteiligung planen"))
    keys.follow(page.get_by_role("link", name=re.compile(r"^Zur Abgabe\s*: Beteiligungsplan$")))
    check(page)
    keys.type(page.get_by_label("Ihr Text"), "Wir beteiligen **Anwohnende** am Umbau des Marktplatzes.")
    keys.follow(page.get_by_role("button", name="Abgeben", exact=True))
    assert "Version 1 ist abgegeben" in page.locator(".flashes").inner_text()
    check(page)

    live.run(seeding.grade, email, COURSE, ASSIGNMENT, staff["trainer"], "revision_requested", {"c1": 0, "c2": 1},
             "Bitte nennen Sie mindestens zwei Zielgruppen.")
    assert live.mails(email, "Bitte überarbeiten")
    page.reload()
    assert "Überarbeitung erbeten" in page.locator("main .meta").first.inner_text()
    assert "Bitte nennen Sie mindestens zwei Zielgruppen." in page.locator(".feedback").inner_text()
    page.get_by_role("heading", name="Überarbeitete Fassung abgeben").wait_for()
    check(page)
    text = page.get_by_label("Ihr Text")
    assert "Anwohnende" in text.input_value()  # the draft starts from the last version
    keys.focus(text)
    page.keyboard.press("Control+End")
    page.keyboard.type(" Außerdem beteiligen wir die **Marktbeschicker** – auf der Stufe der Konsultation.")
    keys.follow(page.get_by_role("button", name="Abgeben", exact=True))
    assert "Version 2 ist abgegeben" in page.locator(".flashes").inner_text()
    check(page)

    live.run(seeding.grade, email, COURSE, ASSIGNMENT, staff["trainer"], "passed", {"c1": 1, "c2": 1}, "Gut begründet.")
    assert live.mails(email, "ist bewertet")
    page.reload()
    assert "Bestanden – diese Aufgabe ist abgeschlossen." in page.locator("main").inner_text()
    check(page)

    # the course is complete: the certificate, and its QR code leads to the verify page
    keys.follow(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Mein Lernstand"))
    assert "Abgeschlossen. Ihr Zertifikat PK-" in page.locator("main").inner_text()
    check(page)
    pdf = tmp_path / "zertifikat.pdf"
    keys.download(page.get_by_role("link", name="Zertifikat herunterladen (PDF)"), pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    verify_url = qr_url(pdf, tmp_path)
    assert re.fullmatch(rf"{re.escape(live.base_url)}/verify/[A-Za-z0-9_-]+", verify_url)

    keys.follow(page.get_by_role("button", name="Abmelden"))
    page.get_by_role("heading", name="Anmelden").wait_for()
    check(page)
    page.goto(verify_url)  # as anyone who scans the code
    assert page.locator(".verify-status").inner_text() == "Gültig"
    assert name in page.locator("main").inner_text()
    assert "Praxiskurs Bürgerbeteiligung" in page.locator("main").inner_text()
    check(page)

    # the same certificate as an Open Badges credential, checked by an independent verifier
    credential = tmp_path / "nachweis.jwt"
    keys.download(page.get_by_role("link", name="Als digitalen Nachweis (Open Badges 3.0) herunterladen"), credential)
    token = credential.read_text()
    jwks = urlopen(f"{live.base_url}/.well-known/jwks.json", timeout=10).read()  # nosec B310 - the test's own server on 127.0.0.1
    status = urlopen(f"{live.base_url}/credentials/status/revocation", timeout=10).read()  # nosec B310
    [result] = verify_credentials([token], jwks, status)
    assert result["verified"] is True and result["revoked"] is False, result
    assert result["credential"]["credentialSubject"]["identifier"][0]["identityHash"] == name

def demo_assignment_pages() -> list[tuple[str, str]]:
    """(URL, title) of every assignment of every course in courses/, read from the course files
    with the catalogue's own loader — a new assignment is checked without touching this test."""
    from app.catalogue.inventory import CourseUrls
    from app.catalogue.loader import find_courses, load_course

    pages = []
    for root in find_courses(DEMO_COURSES):
        course, problems = load_course(root)
        assert course is not None, problems
        for module in course.modules:
            pages += [(CourseUrls().assignment(course.slug, module.slug, a.slug), a.title) for a in module.assignments]
    return pages


def _import_demo_courses() -> list[str]:
    from app.catalogue.services import import_path

    reports, problems = import_path(DEMO_COURSES)
    assert not [p for p in problems if p.severity == "error"], problems
    return [report.course for report in reports]


@pytest.fixture(scope="module")
def demo_learner(live, staff) -> str:
    """A learner in a cohort of each demo course (started today), password PASSWORD."""
    from app.catalogue.loader import find_courses

    live.run(_import_demo_courses)
    email = "dora.demo@example.net"
    for number, root in enumerate(find_courses(DEMO_COURSES)):
        cohort_id = live.run(seeding.create_cohort, root.name, f"Demo-Kurs {root.name}", staff["trainer"])
        if number == 0:
            live.run(seeding.enrol_learner, cohort_id, "Dora Demo", email, PASSWORD)
        else:
            live.run(_enrol_existing, cohort_id, email)
    return email


def _enrol_existing(cohort_id: int, email: str) -> None:
    from app.accounts.services import find_user
    from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from app.extensions import db
    from app.progress.services import initialise_enrolment

    enrolment = Enrolment(user=find_user(email), cohort=db.session.get(Cohort, cohort_id), status=EnrolmentStatus.ACTIVE)
    db.session.add(enrolment)
    db.session.flush()
    initialise_enrolment(enrolment)


def test_every_assignment_page_of_the_demo_course_passes_the_checks(open_page, device, demo_learner, login_state, check):
    """Course content brings its own tables (wide ones scroll sideways on a phone): each assignment
    page of the demo course, as its learner sees it, has zero axe and HTML errors and reflows."""
    pages = demo_assignment_pages()
    assert len(pages) >= 8, pages  # the demo course has one assignment per module
    page = open_page(login_state(demo_learner))
    failures = []
    for url, title in pages:
        response = page.goto(url)
        assert response.status == 200, url
        page.get_by_role("heading", name=title, level=1).wait_for()
        try:
            check(page)
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n\n".join(failures)

