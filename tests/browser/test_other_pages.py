"""The pages no journey visits, checked as the people who use them see them, on a desktop screen and
at phone width: zero axe-core WCAG 2.1 A/AA violations, zero Nu HTML Checker errors, no sideways
scrolling. The data that fills them (a cohort with a moderated discussion and live sessions, a
certified learner with a directory entry, an agency user with API tokens) is set up through the
services. Together with the journeys this covers every HTML page of the app (`flask routes`, less
files, feeds and the API): a new page belongs in a journey or here.

Each test reports every page that fails, not only the first."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser import seeding
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

COURSE = "kurz-kurs"
PAULA = "paula.pruefling@example.net"  # certified, in the directory, started a discussion
OTTO = "otto.offen@example.net"  # same cohort, not certified yet, replied twice
AGNES = "agnes.api@example.net"  # agency user for Brandenburg, with API tokens
RESET = "rosa.reset@example.net"  # asked for a new password


def _set_up(trainer_email: str) -> dict:
    from app.accounts.services import find_user, request_password_reset
    from app.api.services import create_token, revoke_token
    from app.cohorts.models import Enrolment
    from app.db import utcnow
    from app.directory.services import publish_entry
    from app.discussions import services as discussions
    from app.extensions import db
    from app.quizzes.services import start_attempt, submit_attempt
    from app.sessions.models import SessionMode
    from app.sessions.services import create_session

    cohort_id = seeding.create_cohort(COURSE, "Seitenprüfung 2027", trainer_email)
    seeding.create_cohort(COURSE, "Seitenprüfung 2028", trainer_email)  # somewhere to move a learner to
    paula_enrolment = seeding.enrol_learner(cohort_id, "Paula Prüfling", PAULA, PASSWORD)
    otto_enrolment = seeding.enrol_learner(cohort_id, "Otto Offen", OTTO, PASSWORD)
    enrolment = db.session.get(Enrolment, paula_enrolment)
    cohort, paula, otto, trainer = enrolment.cohort, find_user(PAULA), find_user(OTTO), find_user(trainer_email)
    module = cohort.course.active_modules[0]

    submit_attempt(start_attempt(enrolment, module.quizzes[0]), {})  # a failed attempt for the table of attempts
    seeding.complete_course(PAULA, COURSE)
    publish_entry(paula, consent=True, name="Paula Prüfling", municipality="Stadt Brandenburg an der Havel", district_ags="12051",
                  position="Digitalisierung", topics="Open Data, Mobilität", contact_email=PAULA)

    thread = discussions.start_thread(cohort, module, paula, "Wer nutzt offene Daten?", "Wir veröffentlichen **Parkdaten**.")
    reported = discussions.reply(thread, otto, "Wir auch, als CSV.")
    hidden = discussions.reply(thread, otto, "Nicht zum Thema.")
    discussions.report_post(reported, paula, "Bitte prüfen.")
    discussions.set_hidden(hidden, True, trainer)

    now = utcnow().replace(microsecond=0)
    past = create_session(cohort, "Auftakt", now - timedelta(days=2), 120, SessionMode.ON_SITE, "Rathaus, Saal 1", module)
    upcoming = create_session(cohort, "Sprechstunde", now + timedelta(days=7), 60, SessionMode.ONLINE, "https://meet.example.net/sprechstunde",
                              module, "Bitte **vorher** lesen: [Charta](https://example.net/charta)")

    seeding.agency_user(AGNES, "Agnes Api", PASSWORD, ["12"])
    agnes = find_user(AGNES)
    create_token(agnes, "Dashboard")
    revoke_token(create_token(agnes, "Altsystem")[0], agnes)

    seeding.enrol_learner(cohort_id, "Rosa Reset", RESET, PASSWORD)
    request_password_reset(RESET)
    return {"cohort": cohort_id, "module": module.id, "thread": thread.id, "post": thread.posts[0].id, "reported": reported.id,
            "past_session": past.id, "session": upcoming.id, "paula": paula.id, "otto": otto.id, "agnes": agnes.id,
            "otto_enrolment": otto_enrolment, "paula_enrolment": paula_enrolment}


@pytest.fixture(scope="module")
def world(live, staff) -> dict:
    ids = live.run(_set_up, staff["trainer"])
    mail = live.mails(RESET, "Passwort")[0].get_content()
    ids["reset_link"] = re.search(r"http://127\.0\.0\.1:\d+(/passwort-neu/\S+)", mail).group(1)
    return ids


def check_all(page, check, paths: list[str], status: int = 200) -> None:
    """Opens each path and checks it; fails with the problems of every failing page."""
    problems = []
    for path in paths:
        response = page.goto(path)
        if response.status != status:
            problems.append(f"{path}: HTTP {response.status}, expected {status}")
            continue
        try:
            check(page)
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n\n".join(problems)


def test_pages_anyone_sees(open_page, world, check):
    page = open_page()
    check_all(page, check, ["/passwort-vergessen", world["reset_link"], "/verify", "/impressum", "/datenschutz", "/barrierefreiheit"])
    check_all(page, check, ["/gibt-es-nicht", "/verify/unbekannter-code"], status=404)


def test_pages_of_a_learner(open_page, world, login_state, check):
    page = open_page(login_state(PAULA))
    check_all(page, check, [
        "/profil", "/meine-daten", "/netzwerk", "/netzwerk/mein-eintrag",
        "/diskussionen", f"/kohorten/{world['cohort']}/diskussionen", f"/kohorten/{world['cohort']}/diskussionen/{world['module']}",
        f"/diskussionen/themen/{world['thread']}", f"/diskussionen/beitraege/{world['post']}/bearbeiten",
        f"/diskussionen/beitraege/{world['reported']}/melden", "/diskussionen/einstellungen",
        f"/kohorten/{world['cohort']}/termine", f"/termine/{world['session']}", f"/teilnahmen/{world['paula_enrolment']}/versuche",
    ])


def test_forms_with_errors(open_page, world, login_state, check):
    """Error messages, aria-invalid and aria-describedby on the forms of these pages."""
    page = open_page(login_state(PAULA))
    page.goto("/netzwerk/mein-eintrag")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name=re.compile("^Eintrag")).click()
    page.locator(".has-error").first.wait_for()
    check(page)
    page.goto("/meine-daten")
    page.get_by_role("button", name="Konto endgültig löschen").click()
    page.locator(".has-error").first.wait_for()
    check(page)

    page = open_page(login_state("trainer"))
    page.goto(f"/kohorten/{world['cohort']}/termine/neu")
    page.get_by_role("button", name=re.compile("speichern|anlegen", re.IGNORECASE)).click()
    page.locator(".has-error").first.wait_for()
    check(page)


def test_pages_of_a_learner_without_certificate(open_page, world, login_state, check):
    page = open_page(login_state(OTTO))
    check_all(page, check, ["/netzwerk", f"/diskussionen/themen/{world['thread']}"])
    check_all(page, check, ["/netzwerk/mein-eintrag"], status=403)


def test_pages_of_a_trainer(open_page, world, login_state, check):
    page = open_page(login_state("trainer"))
    cohort = world["cohort"]
    check_all(page, check, [
        f"/diskussionen/themen/{world['thread']}", f"/kohorten/{cohort}/diskussionen", f"/kohorten/{cohort}/termine",
        f"/kohorten/{cohort}/termine/neu", f"/termine/{world['session']}", f"/termine/{world['session']}/bearbeiten",
        f"/termine/{world['past_session']}/anwesenheit", f"/teilnahmen/{world['paula_enrolment']}/versuche",
        f"/kohorten/{cohort}/bearbeiten", f"/kohorten/{cohort}/zeitplan", f"/kohorten/{cohort}/erinnerung",
        f"/kohorten/{cohort}/einschreibungen/{world['otto_enrolment']}/verschieben",
    ])
    # White on a white post: axe files text in its background's colour under "needs review", not as a violation.
    page.goto(f"/diskussionen/themen/{world['thread']}")
    colours = page.locator(".post-actions button").evaluate_all("buttons => buttons.map(b => getComputedStyle(b).color)")
    assert len(colours) == 4 and "rgb(255, 255, 255)" not in colours


def test_pages_of_an_admin(open_page, world, login_state, check):
    page = open_page(login_state("admin"))
    check_all(page, check, [
        "/admin/benutzer", f"/admin/benutzer/{world['agnes']}", f"/admin/benutzer/{world['paula']}", "/admin/einstellungen",
        "/admin/protokoll", "/admin/auftraege", f"/admin/benutzer/{world['otto']}/loeschen", "/netzwerk", "/api-zugang",
    ])


def test_pages_of_an_agency_user(open_page, world, login_state, check):
    page = open_page(login_state(AGNES))
    check_all(page, check, ["/api-zugang", "/berichte/register", "/netzwerk"])
    page.goto("/api-zugang")
    page.get_by_label("Name des Tokens").fill("Statistik")
    page.get_by_role("button", name="Token erstellen").click()
    page.get_by_label("Token", exact=True).wait_for()  # shown this once
    check(page)

