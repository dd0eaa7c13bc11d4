"""Who may do what: every route of the URL map × every actor, with the expected outcome.

A route that is added without an entry in ROUTES fails `test_every_route_is_in_the_matrix`, so
no route can be forgotten. Objects are addressed by id as an attacker would: the learner's own
attempt, submission file and certificate, requested by everyone else.

Outcomes: OK (the request passed authorization: 2xx, or a redirect that is not to the login
page, or 400/409/410/422 for a POST without a complete form), LOGIN (redirect to the login page),
DENY (403 or 404), or an exact status code."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import pytest
from sqlalchemy import select

from tests.conftest import shared_world

ANON, LEARNER, OTHER_LEARNER, TRAINER, OTHER_TRAINER, AGENCY, OTHER_AGENCY, ADMIN = ACTORS = (
    "anonymous", "learner", "other_learner", "trainer", "other_trainer", "agency", "other_agency", "admin",
)
OK, LOGIN, DENY = "ok", "login", "deny"


def expect(default: str | int, **actors: str | int) -> dict[str, str | int]:
    """Expected outcome per actor: `default` for everyone, anonymous → LOGIN unless given."""
    table = {actor: default for actor in ACTORS}
    table[ANON] = LOGIN
    table.update(actors)
    return table


PUBLIC = {actor: OK for actor in ACTORS}
SIGNED_IN = expect(OK)
ADMIN_ONLY = expect(DENY, admin=OK)
STAFF = expect(DENY, trainer=OK, other_trainer=OK, admin=OK)               # any trainer, admins
COHORT_STAFF = expect(DENY, trainer=OK, admin=OK)                          # trainers of this cohort
ENROLLED_OR_STAFF = expect(OK, agency=DENY, other_agency=DENY)             # course content
OWN_ENROLMENT = expect(DENY, learner=OK, other_learner=OK)                 # acting in one's own enrolment
LEARNER_OBJECT = expect(DENY, learner=OK, trainer=OK, admin=OK)            # the learner's object
LEARNER_OBJECT_STAFF = expect(DENY, trainer=OK, admin=OK)
REPORTS = expect(DENY, agency=OK, other_agency=OK, admin=OK)                # agency figures (each sees its own Länder)
OWN_EXPORT = expect(DENY, learner=OK)                                      # a prepared download: its owner only


@dataclass
class Case:
    url: Callable[[dict], str]
    expected: dict[str, str | int]
    method: str = "GET"
    data: Callable[[dict], dict] = field(default=lambda w: {})


C = "/kurse/kurz-kurs"
ROUTES: dict[str, list[Case]] = {
    "core.index": [Case(lambda w: "/", expect(OK))],
    "core.healthz": [Case(lambda w: "/healthz", PUBLIC)],
    # by address or token, not by role: the test client is loopback (tests/observability/test_metrics.py)
    "observability.metrics": [Case(lambda w: "/metrics", PUBLIC)],
    "core.imprint": [Case(lambda w: "/impressum", PUBLIC)],
    "core.privacy": [Case(lambda w: "/datenschutz", PUBLIC)],
    "core.accessibility": [Case(lambda w: "/barrierefreiheit", PUBLIC)],
    "core.set_language": [Case(lambda w: "/sprache", PUBLIC, "POST", lambda w: {"lang": "en", "next": "/"})],
    "accounts.login": [Case(lambda w: "/anmelden", PUBLIC)],
    # logging out ends on the login page, for everyone
    "accounts.logout": [Case(lambda w: "/abmelden", {a: LOGIN for a in ACTORS}, "POST")],
    "accounts.logout_everywhere": [Case(lambda w: "/abmelden/ueberall", {a: LOGIN for a in ACTORS}, "POST")],
    "accounts.forgot_password": [Case(lambda w: "/passwort-vergessen", PUBLIC)],
    "accounts.reset_password": [Case(lambda w: "/passwort-neu/kein-gueltiger-token", {a: 410 for a in ACTORS})],
    "accounts.profile": [Case(lambda w: "/profil", SIGNED_IN)],
    "learning.dashboard": [Case(lambda w: "/lernstand", SIGNED_IN)],
    "learning.course": [Case(lambda w: C, ENROLLED_OR_STAFF)],
    "learning.module": [Case(lambda w: f"{C}/01-grundlagen", ENROLLED_OR_STAFF)],
    "learning.lesson": [Case(lambda w: f"{C}/01-grundlagen/die-charta", ENROLLED_OR_STAFF)],
    "learning.mark_done": [Case(lambda w: f"{C}/01-grundlagen/die-charta/erledigt", OWN_ENROLMENT, "POST")],
    "catalogue.media": [Case(lambda w: "/medien/kurz-kurs/02-abschluss/media/checkliste.txt", ENROLLED_OR_STAFF)],
    "quizzes.overview": [Case(lambda w: f"{C}/01-grundlagen/quiz", ENROLLED_OR_STAFF)],
    "quizzes.start": [Case(lambda w: f"{C}/01-grundlagen/quiz/start", OWN_ENROLMENT, "POST")],
    "quizzes.attempt": [Case(lambda w: f"/versuche/{w['attempt'].id}", expect(DENY, learner=OK))],
    "quizzes.review": [Case(lambda w: f"/versuche/{w['attempt'].id}/auswertung", LEARNER_OBJECT)],
    "quizzes.enrolment_attempts": [Case(lambda w: f"/teilnahmen/{w['enrolment'].id}/versuche", LEARNER_OBJECT)],
    "certificates.verify_form": [Case(lambda w: "/verify", PUBLIC)],
    "certificates.verify": [Case(lambda w: f"/verify/{w['certificate'].code}", PUBLIC)],
    "certificates.download": [Case(lambda w: f"/zertifikate/{w['certificate'].id}.pdf", LEARNER_OBJECT)],
    "certificates.index": [Case(lambda w: "/zertifikate", STAFF)],
    "certificates.detail": [Case(lambda w: f"/zertifikate/{w['certificate'].id}", LEARNER_OBJECT_STAFF)],
    "certificates.resend": [Case(lambda w: f"/zertifikate/{w['certificate'].id}/senden", LEARNER_OBJECT_STAFF, "POST")],
    "certificates.revoke": [Case(lambda w: f"/zertifikate/{w['certificate'].id}/widerrufen", ADMIN_ONLY, "POST")],
    "certificates.reissue": [Case(lambda w: f"/zertifikate/{w['certificate'].id}/neu-ausstellen", ADMIN_ONLY, "POST")],
    "certificates.cohort_zip": [Case(lambda w: f"/zertifikate/kohorte/{w['cohort'].id}.zip", COHORT_STAFF)],
    "certificates.credential_download": [Case(lambda w: f"/zertifikate/{w['certificate'].id}/open-badge.jwt",
                                              expect(DENY, learner=OK))],
    "certificates.verify_credential": [Case(lambda w: f"/verify/{w['certificate'].code}/open-badge.jwt", PUBLIC)],
    "certificates.status_list": [Case(lambda w: "/credentials/status/revocation", PUBLIC)],
    "certificates.jwks": [Case(lambda w: "/.well-known/jwks.json", PUBLIC)],
    "certificates.did_document": [Case(lambda w: "/.well-known/did.json", PUBLIC), Case(lambda w: "/did.json", PUBLIC)],
    "assignments.assignment": [Case(lambda w: f"{C}/02-abschluss/aufgaben/reflexion", ENROLLED_OR_STAFF)],
    "assignments.download": [Case(lambda w: f"/abgaben/dateien/{w['file'].id}", LEARNER_OBJECT)],
    "assignments.queue": [Case(lambda w: "/bewertung", STAFF)],
    "assignments.grade": [Case(lambda w: f"/bewertung/{w['submission'].id}", LEARNER_OBJECT_STAFF)],
    "assignments.cohort_zip": [Case(lambda w: f"/bewertung/kohorten/{w['cohort'].id}/aufgaben/{w['assignment'].id}/abgaben.zip", COHORT_STAFF)],
    "cohorts.index": [Case(lambda w: "/kohorten", STAFF)],
    "cohorts.create": [Case(lambda w: "/kohorten/neu", ADMIN_ONLY)],
    "cohorts.detail": [Case(lambda w: f"/kohorten/{w['cohort'].id}", COHORT_STAFF)],
    "cohorts.edit": [Case(lambda w: f"/kohorten/{w['cohort'].id}/bearbeiten", COHORT_STAFF)],
    "cohorts.schedule": [Case(lambda w: f"/kohorten/{w['cohort'].id}/zeitplan", COHORT_STAFF)],
    "cohorts.progress": [Case(lambda w: f"/kohorten/{w['cohort'].id}/matrix", COHORT_STAFF)],
    "cohorts.export_csv": [Case(lambda w: f"/kohorten/{w['cohort'].id}/matrix.csv", COHORT_STAFF)],
    "cohorts.export_xlsx": [Case(lambda w: f"/kohorten/{w['cohort'].id}/matrix.xlsx", COHORT_STAFF)],
    "cohorts.invite": [Case(lambda w: f"/kohorten/{w['cohort'].id}/einladen", COHORT_STAFF)],
    "cohorts.confirm_invite": [Case(lambda w: f"/kohorten/{w['cohort'].id}/einladen/bestaetigen", COHORT_STAFF, "POST")],
    "cohorts.remind": [Case(lambda w: f"/kohorten/{w['cohort'].id}/erinnerung", COHORT_STAFF)],
    "cohorts.enrolment_action": [Case(lambda w: f"/kohorten/{w['cohort'].id}/einschreibungen/{w['enrolment'].id}/zurueckziehen", COHORT_STAFF, "POST")],
    "cohorts.approve_completion": [Case(lambda w: f"/kohorten/{w['cohort'].id}/einschreibungen/{w['enrolment'].id}/freigeben", COHORT_STAFF, "POST")],
    "cohorts.move": [Case(lambda w: f"/kohorten/{w['cohort'].id}/einschreibungen/{w['enrolment'].id}/verschieben", COHORT_STAFF)],
    # single sign-on is off without OIDC_ISSUER (tests/accounts/test_oidc.py covers it switched on)
    "sso.start": [Case(lambda w: "/anmelden/sso", {a: DENY for a in ACTORS})],
    "sso.callback": [Case(lambda w: "/anmelden/sso/rueckkehr?code=x&state=y", {a: DENY for a in ACTORS})],
    "cohorts.accept_invitation": [Case(lambda w: "/einladung/kein-gueltiger-token", {a: 410 for a in ACTORS})],
    "audit.log": [Case(lambda w: "/admin/protokoll", ADMIN_ONLY)],
    "reporting.dashboard": [Case(lambda w: "/berichte", REPORTS)],
    "reporting.table": [Case(lambda w: "/berichte/tabelle/kreise", REPORTS)],
    "reporting.export": [Case(lambda w: "/berichte/tabelle/kreise.csv", REPORTS), Case(lambda w: "/berichte/tabelle/laender.xlsx", REPORTS)],
    "reporting.register": [Case(lambda w: "/berichte/register", REPORTS)],
    "reporting.register_export": [Case(lambda w: "/berichte/register.xlsx", REPORTS)],
    # the API takes tokens only: a session cookie is as good as nothing (401 for everyone)
    "api.openapi": [Case(lambda w: "/api/v1/openapi.json", PUBLIC)],
    "api.figures_endpoint": [Case(lambda w: "/api/v1/figures", {a: 401 for a in ACTORS})],
    "api.certificates_endpoint": [Case(lambda w: "/api/v1/certificates", {a: 401 for a in ACTORS})],
    "api.cohorts_endpoint": [Case(lambda w: "/api/v1/cohorts", {a: 401 for a in ACTORS})],
    "api.tokens": [Case(lambda w: "/api-zugang", REPORTS)],
    "api.revoke": [Case(lambda w: f"/api-zugang/{w['api_token'].id}/widerrufen", expect(DENY, agency=OK), "POST")],
    "admin.users": [Case(lambda w: "/admin/benutzer", ADMIN_ONLY)],
    "admin.user": [Case(lambda w: f"/admin/benutzer/{w['users'][LEARNER].id}", ADMIN_ONLY)],
    "admin.settings": [Case(lambda w: "/admin/einstellungen", ADMIN_ONLY)],
    "admin.courses": [Case(lambda w: "/admin/kurse", ADMIN_ONLY)],
    "admin.jobs": [Case(lambda w: "/admin/auftraege", ADMIN_ONLY), Case(lambda w: "/admin/auftraege", ADMIN_ONLY, "POST")],
    # community: sessions, discussions (members of the cohort, its trainers, admins), directory
    "sessions.index": [Case(lambda w: f"/kohorten/{w['cohort'].id}/termine", LEARNER_OBJECT)],
    "sessions.cohort_ics": [Case(lambda w: f"/kohorten/{w['cohort'].id}/termine.ics", LEARNER_OBJECT)],
    "sessions.create": [Case(lambda w: f"/kohorten/{w['cohort'].id}/termine/neu", COHORT_STAFF)],
    "sessions.detail": [Case(lambda w: f"/termine/{w['session'].id}", LEARNER_OBJECT)],
    "sessions.session_ics": [Case(lambda w: f"/termine/{w['session'].id}/termin.ics", LEARNER_OBJECT)],
    "sessions.edit": [Case(lambda w: f"/termine/{w['session'].id}/bearbeiten", COHORT_STAFF)],
    "sessions.delete": [Case(lambda w: f"/termine/{w['session'].id}/loeschen", COHORT_STAFF, "POST")],
    "sessions.attendance": [Case(lambda w: f"/termine/{w['session'].id}/anwesenheit", COHORT_STAFF)],
    "discussions.index": [Case(lambda w: "/diskussionen", SIGNED_IN)],
    "discussions.settings": [Case(lambda w: "/diskussionen/einstellungen", SIGNED_IN)],
    "discussions.cohort": [Case(lambda w: f"/kohorten/{w['cohort'].id}/diskussionen", LEARNER_OBJECT)],
    "discussions.space": [Case(lambda w: f"/kohorten/{w['cohort'].id}/diskussionen/{w['thread'].module_id}", LEARNER_OBJECT)],
    "discussions.thread": [Case(lambda w: f"/diskussionen/themen/{w['thread'].id}", LEARNER_OBJECT)],
    "discussions.edit": [Case(lambda w: f"/diskussionen/beitraege/{w['thread'].opening_post.id}/bearbeiten", expect(DENY, learner=OK))],
    "discussions.report": [Case(lambda w: f"/diskussionen/beitraege/{w['thread'].opening_post.id}/melden", LEARNER_OBJECT)],
    "discussions.thread_action": [Case(lambda w: f"/diskussionen/themen/{w['thread'].id}/schliessen", COHORT_STAFF, "POST")],
    "discussions.post_action": [Case(lambda w: f"/diskussionen/beitraege/{w['thread'].opening_post.id}/ausblenden", COHORT_STAFF, "POST")],
    # everyone signed in gets the page; only certified managers, agency (own Land) and admins see entries
    "directory.search": [Case(lambda w: "/netzwerk", SIGNED_IN)],
    "directory.entry": [Case(lambda w: "/netzwerk/mein-eintrag", expect(DENY, learner=OK))],  # the certified learner
    "directory.withdraw": [Case(lambda w: "/netzwerk/mein-eintrag/widerrufen", SIGNED_IN, "POST")],
    # privacy: everyone exports / deletes only their own data (no id in the URL); admins delete others
    "privacy.index": [Case(lambda w: "/meine-daten", SIGNED_IN)],
    "privacy.download": [Case(lambda w: "/meine-daten/export", SIGNED_IN, "POST")],
    "privacy.delete_own": [Case(lambda w: "/meine-daten/loeschen", SIGNED_IN, "POST")],  # no password: refused, 422
    "privacy.delete_account": [
        Case(lambda w: f"/admin/benutzer/{w['users'][LEARNER].id}/loeschen", ADMIN_ONLY),
        Case(lambda w: f"/admin/benutzer/{w['users'][LEARNER].id}/loeschen", ADMIN_ONLY, "POST"),  # no address: 422
    ],
    # prepared downloads: only the person who asked (here the learner's data export, ready)
    "exports.index": [Case(lambda w: "/meine-downloads", SIGNED_IN)],
    "exports.status": [Case(lambda w: f"/meine-downloads/{w['export'].id}", OWN_EXPORT)],
    "exports.fragment": [Case(lambda w: f"/meine-downloads/{w['export'].id}/stand", OWN_EXPORT)],
    "exports.download": [Case(lambda w: f"/meine-downloads/{w['export'].id}/datei", OWN_EXPORT)],
    "exports.retry": [Case(lambda w: f"/meine-downloads/{w['export'].id}/erneut", OWN_EXPORT, "POST")],
}


def build_world(db, make, app) -> dict:
    """The learner with an attempt, a handed-in file and a certificate; everyone else around."""
    from app.assignments import services as assignments
    from app.files import get_store
    from app.catalogue.models import Assignment, Module, Quiz
    from app.certificates.services import issue_certificate
    from app.quizzes import services as quizzes

    trainer, other_trainer = make.user("trainer"), make.user("trainer")
    cohort = make.cohort(trainers=[trainer])
    other_cohort = make.cohort(trainers=[other_trainer], land="09")
    enrolment = make.enrolment(user=make.user("learner"), cohort=cohort)
    other = make.enrolment(user=make.user("learner"), cohort=other_cohort)
    quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == "01-grundlagen"))
    attempt = quizzes.start_attempt(enrolment, quiz)
    quizzes.submit_attempt(attempt, {"q-meldefrist": ["72"]})
    assignment = db.session.scalar(select(Assignment).join(Module).where(Module.slug == "02-abschluss"))
    assignment.settings = {**assignment.settings, "submission": "both", "file_types": ["pdf"]}
    submission = assignments.get_or_create_submission(enrolment, assignment)
    assignments.save_draft(submission, "Unser Projekt")
    file = assignments.add_draft_file(submission, assignments.Upload("projekt.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n")), get_store())
    assignments.hand_in(submission)
    with app.test_request_context():
        certificate = issue_certificate(enrolment)
    community = community_objects(app, cohort, enrolment)
    agency, other_agency = make.user("agency"), make.user("agency")
    bind_agency(agency, "12")
    bind_agency(other_agency, "09")
    from app.api.services import create_token

    api_token, _secret = create_token(agency, "Matrix")
    from app import jobs
    from app.exports.services import request_export

    export = request_export(enrolment.user, "privacy.data_export", {}, "Meine Daten (ZIP)")
    db.session.commit()
    jobs.run_committed()  # the build, as after the response that asked for it
    return {
        "users": {LEARNER: enrolment.user, OTHER_LEARNER: other.user, TRAINER: trainer, OTHER_TRAINER: other_trainer,
                  AGENCY: agency, OTHER_AGENCY: other_agency, ADMIN: make.user("admin")},
        "cohort": cohort, "other_cohort": other_cohort, "enrolment": enrolment, "attempt": attempt,
        "assignment": assignment, "submission": submission, "file": file, "certificate": certificate,
        "api_token": api_token, "export": export,
        **community,
    }


def community_objects(app, cohort, enrolment) -> dict:
    """A session of the cohort that has begun, and a thread the learner opened."""
    from datetime import timedelta

    from app.db import utcnow
    from app.discussions.services import start_thread
    from app.sessions.models import SessionMode
    from app.sessions.services import create_session

    session = create_session(cohort, "Workshop 1", utcnow() - timedelta(hours=1), 180, SessionMode.ONLINE,
                             "https://konferenz.example.org/1")
    with app.test_request_context():
        thread = start_thread(cohort, cohort.course.active_modules[0], enrolment.user, "Frage", "Wie fangen wir an?")
    return {"session": session, "thread": thread}


def bind_agency(user, land: str) -> None:
    """Binds an agency user to a Land, once the reporting feature offers it."""
    try:
        from app.admin.services import set_agency_laender
    except ImportError:
        return
    set_agency_laender(user, [land])


def outcome(response) -> str | int:
    if response.status_code in (301, 302, 303) and "/anmelden" in (response.location or ""):
        return LOGIN
    if response.status_code in (403, 404):
        return DENY
    if response.status_code < 400:
        return OK
    return response.status_code


def cases():
    for endpoint, endpoint_cases in sorted(ROUTES.items()):
        for number, case in enumerate(endpoint_cases):
            for actor in ACTORS:
                yield pytest.param(endpoint, number, actor, id=f"{endpoint}[{number}]-{actor}")


@pytest.fixture(scope="module")
def file_store(app, tmp_path_factory):
    """The world's files (the handed-in PDF, the data export) in a folder of the module's own."""
    saved = app.config.get("FILE_STORAGE_DIR")
    app.config["FILE_STORAGE_DIR"] = str(tmp_path_factory.mktemp("matrix") / "files")
    yield app
    app.config["FILE_STORAGE_DIR"] = saved


# Built once per module and worker (some 900 tests read it); each test gets it in a savepoint,
# rolled back after the test, so what one request changes (a revoked certificate) no other sees.
built_world, world = shared_world(lambda db, make, file_store: build_world(db, make, file_store), uses=("file_store",))


@pytest.mark.parametrize(("endpoint", "number", "actor"), list(cases()))
def test_route_answers_each_actor_as_expected(endpoint, number, actor, world, browser):
    case = ROUTES[endpoint][number]
    if actor != ANON:
        browser.login(world["users"][actor])
    url = case.url(world)
    if case.method == "GET":
        response = browser.get(url)
    else:
        browser.get("/anmelden" if actor == ANON else "/lernstand")
        response = browser.post(url, case.data(world))
    expected = case.expected[actor]
    got = outcome(response)
    if expected == OK and case.method == "POST" and got in (400, 409, 410, 422):
        got = OK  # authorization passed; the empty form was refused on its merits
    assert got == expected, f"{case.method} {url} as {actor}: expected {expected}, got {response.status_code} {response.location or ''}"


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - set(ROUTES))
    assert not missing, f"routes without an entry in the authorization matrix: {missing}"
    stale = sorted(set(ROUTES) - endpoints)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


# -- agency scope: a learner's home never opens another Land's cohort (issue 21, item 5) ---------------

def test_agency_never_sees_a_cohort_of_another_land_through_a_learner_living_there(world, browser, another_browser, db, client):
    """The Bayern cohort's learner gives Brandenburg as home: their enrolment counts for
    Brandenburg (where they live), but the cohort — name, Land, start — stays Bayern's."""
    from app.accounts.services import update_profile
    from app.api.services import create_token

    other_cohort, mover = world["other_cohort"], world["users"][OTHER_LEARNER]
    update_profile(mover, mover.name, "Landeshauptstadt Potsdam", "12054", None)
    _row, token = create_token(world["users"][AGENCY], "Scope")
    db.session.commit()
    name = other_cohort.name
    browser.login(world["users"][AGENCY])  # bound to Brandenburg
    for url in ("/berichte/tabelle/kohorten", "/berichte/tabelle/kohorten.csv", "/berichte",
                f"/berichte/tabelle/kohorten?kohorte={other_cohort.id}", "/berichte/tabelle/kohorten?land=12"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert name not in response.get_data(as_text=True), url
    headers = {"Authorization": f"Bearer {token}"}
    for url in ("/api/v1/figures?group_by=cohort", "/api/v1/figures?group_by=cohort&land=12", "/api/v1/cohorts"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200 and name not in response.get_data(as_text=True), url
        assert all(item["land"] in ("12", None) for item in response.get_json()["items"]), url
    cohorts = client.get("/api/v1/figures?group_by=cohort", headers=headers).get_json()["items"]
    other = [item for item in cohorts if item["key"] == "other"]
    assert len(other) == 1 and other[0]["label"] == "Kohorten anderer Länder"  # counted, not named
    # the Bayern agency still finds its cohort (in the cohort filter: its one learner counts for Brandenburg now)
    another_browser.login(world["users"][OTHER_AGENCY])
    assert name in another_browser.get("/berichte/tabelle/kohorten").get_data(as_text=True)
