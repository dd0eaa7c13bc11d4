"""Single sign-on with OpenID Connect against a real, certified provider: panva's oidc-provider
(npm, package.json) started by tests/accounts/oidc_provider.mjs on 127.0.0.1. The app side is the
Flask test client; the person's side at the provider is a real HTTP client (requests) that fills
in the provider's own login and consent forms."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cohorts.models import EnrolmentStatus, Invitation
from app.sso import client as oidc
from app.sso.models import OidcIdentity
from tests.accounts.oidc import running_provider, set_fault
from tests.conftest import Browser, free_port

CLIENT_ID = "campus"
CLIENT_SECRET = "campus-test-secret-0123456789abcdef"  # nosec B105 - a throwaway test client
CALLBACK = "http://campus.test/anmelden/sso/rueckkehr"
AFTER_LOGOUT = "http://campus.test/anmelden"


@pytest.fixture(scope="module")
def provider():
    clients = [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK], "post_logout_redirect_uris": [AFTER_LOGOUT]},
        {"client_id": "another-client", "client_secret": "another-secret-0123456789abcdef", "redirect_uris": [CALLBACK]},
    ]
    with running_provider(clients) as issuer:
        yield issuer


@pytest.fixture()
def sso(app, provider):
    """The session app with single sign-on configured for the test provider, as OIDC_* would."""
    saved = {key: app.config.get(key) for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")}
    app.config.update(OIDC_ISSUER=provider, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    oidc.register(app)
    set_fault(provider, "none")
    yield provider
    set_fault(provider, "none")
    app.config.update(saved)
    app.extensions.pop("sso_client", None)


def _form(page: str) -> tuple[str, dict]:
    """The action and fields of the first form on a provider page."""
    action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', page).group(1))
    fields = {html.unescape(name): html.unescape(value) for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)}
    return action, fields


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """What the person does at the provider: sign in (login form) and consent. Returns the URL
    the provider sends the browser back to (the app's callback with code and state)."""
    person = requests.Session()
    url = authorize_url
    for _ in range(12):
        response = person.get(url, allow_redirects=False, timeout=10)
        while response.is_redirect:
            url = requests.compat.urljoin(url, response.headers["Location"])
            if url.startswith(CALLBACK):
                return url
            response = person.get(url, allow_redirects=False, timeout=10)
        page = response.text
        assert "<form" in page, page
        action, fields = _form(page)
        if 'name="login"' in page:
            fields.update(prompt="login", login=login, password="beliebig")  # nosec B105
        else:
            fields.setdefault("prompt", "consent")
        response = person.post(requests.compat.urljoin(url, action), data=fields, allow_redirects=False, timeout=10)
        assert response.is_redirect, response.text[:500]
        url = requests.compat.urljoin(url, response.headers["Location"])
        if url.startswith(CALLBACK):
            return url
    raise AssertionError("the provider never sent the browser back")


def start_and_sign_in(browser: Browser, login: str) -> str:
    start = browser.get("/anmelden/sso")
    assert start.status_code == 302
    assert start.location.startswith(browser.client.application.config["OIDC_ISSUER"])
    return sign_in_at_provider(start.location, login)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_without_settings_no_button_and_the_routes_answer_404(browser):
    response = browser.get("/anmelden")
    assert "Dienstkonto" not in response.get_data(as_text=True)
    assert "form-action 'self';" in response.headers["Content-Security-Policy"]
    assert browser.get("/anmelden/sso").status_code == 404
    assert browser.get("/anmelden/sso/rueckkehr?code=x&state=y").status_code == 404


def test_login_with_the_provider_links_by_verified_email_then_logout_at_the_provider(sso, browser, make, db):
    user = make.user("trainer", email="tanja.sso@example.net")
    db.session.commit()
    response = browser.get("/anmelden")
    assert "Mit dem Dienstkonto anmelden" in response.get_data(as_text=True)
    # the logout form's redirect to the provider is allowed by the page's CSP
    assert f"form-action 'self' {sso};" in response.headers["Content-Security-Policy"]

    authorize = browser.get("/anmelden/sso").location
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["state"] and query["nonce"]
    back = sign_in_at_provider(authorize, "tanja.sso@example.net")
    response = browser.get(_path(back))
    assert response.status_code == 302 and response.location == "/"
    assert browser.get("/profil").status_code == 200  # signed in, with a server-side login session
    identity = db.session.scalar(select(OidcIdentity).where(OidcIdentity.user_id == user.id))
    assert identity.issuer == sso and identity.subject == "tanja.sso@example.net"
    assert [e.detail.get("via") for e in _events(db, "login") if e.actor_id == user.id] == ["oidc"]
    assert [e.actor_id for e in _events(db, "sso_linked")] == [user.id]
    assert user.role.value == "trainer"  # the role stays what it is here

    logout = browser.post("/abmelden")
    assert logout.location.startswith(f"{sso}/session/end")
    params = parse_qs(urlsplit(logout.location).query)
    assert params["post_logout_redirect_uri"] == [AFTER_LOGOUT] and params["id_token_hint"]
    assert browser.get("/profil").status_code == 302  # the local session has ended
    # the provider accepts the logout request (its confirmation page, not an error)
    ended = requests.get(logout.location, timeout=10)
    assert ended.status_code == 200 and "logout" in ended.text.lower()


def test_a_password_login_logs_out_locally_even_with_sso_configured(sso, browser, make, db):
    user = make.user("learner")
    db.session.commit()
    browser.login(user)
    assert browser.post("/abmelden").location == "/anmelden"


def test_second_login_uses_the_link_not_the_email(sso, browser, make, db):
    user = make.user("learner", email="lena.sso@example.net")
    db.session.commit()
    browser.get(_path(start_and_sign_in(browser, "lena.sso@example.net")))
    browser.get("/profil")
    browser.post("/abmelden")
    user.email = "lena.neu@example.net"  # the address here changed; the link still holds
    db.session.commit()
    response = browser.get(_path(start_and_sign_in(browser, "lena.sso@example.net")))
    assert response.location == "/"
    assert browser.get("/profil").status_code == 200
    assert len(db.session.scalars(select(OidcIdentity).where(OidcIdentity.user_id == user.id)).all()) == 1


def test_first_login_of_an_invited_person_accepts_the_invitation(sso, browser, make, db):
    from app.cohorts.services import invite
    from app.cohorts.importing import InviteeRow

    cohort = make.cohort()
    invite(cohort, [InviteeRow(line=1, email="ines.sso@example.net", name="Ines")], None)
    db.session.commit()
    response = browser.get(_path(start_and_sign_in(browser, "ines.sso@example.net")))
    assert response.location == "/"
    identity = db.session.scalar(select(OidcIdentity).where(OidcIdentity.subject == "ines.sso@example.net"))
    enrolment = identity.user.enrolments[0]
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert db.session.scalar(select(Invitation).where(Invitation.enrolment_id == enrolment.id)).used_at is not None


def test_a_person_without_account_gets_a_clear_page_and_no_account(sso, browser, db):
    response = browser.get(_path(start_and_sign_in(browser, "niemand.sso@example.net")))
    assert response.status_code == 403
    assert "Ihr Konto ist noch keinem Kurs zugeordnet" in response.get_data(as_text=True)
    assert browser.get("/profil").status_code == 302
    assert db.session.scalar(select(OidcIdentity).where(OidcIdentity.subject == "niemand.sso@example.net")) is None
    from app.accounts.services import find_user

    assert find_user("niemand.sso@example.net") is None
    assert _events(db, "login_failed")[-1].detail["reason"] == "no account"


def test_an_unverified_email_links_nothing(sso, browser, make, db):
    make.user("learner", email="uwe.sso@example.net")
    db.session.commit()
    response = browser.get(_path(start_and_sign_in(browser, "unverified:uwe.sso@example.net")))
    assert response.status_code == 403
    assert "keine bestätigte E-Mail-Adresse" in response.get_data(as_text=True)
    assert browser.get("/profil").status_code == 302
    assert db.session.scalar(select(OidcIdentity).where(OidcIdentity.subject == "unverified:uwe.sso@example.net")) is None


def _refused(browser, response, text):
    assert response.status_code == 302 and response.location == "/anmelden"
    page = browser.get("/anmelden").get_data(as_text=True)
    assert text in page, page
    assert browser.get("/profil").status_code == 302


def test_wrong_state_is_refused(sso, browser, make, db):
    make.user("learner", email="sven.sso@example.net")
    db.session.commit()
    back = start_and_sign_in(browser, "sven.sso@example.net")
    forged = re.sub(r"state=[^&]+", "state=forged-state", back)
    _refused(browser, browser.get(_path(forged)), "Die Anmeldung konnte nicht zugeordnet werden")
    assert _events(db, "login_failed")[-1].detail["reason"] == "state mismatch"


def test_a_replayed_code_is_refused(sso, browser, make, db):
    make.user("learner", email="rita.sso@example.net")
    db.session.commit()
    back = start_and_sign_in(browser, "rita.sso@example.net")
    before = browser.client.get_cookie("scc_session", domain="campus.test").value  # someone copied the cookie and the URL
    assert browser.get(_path(back)).location == "/"
    attacker = Browser(browser.client.application.test_client())
    attacker.client.set_cookie("scc_session", before, domain="campus.test")
    _refused(attacker, attacker.get(_path(back)), "Der Anmeldedienst hat die Anmeldung nicht bestätigt")
    assert _events(db, "login_failed")[-1].detail["reason"] == "provider error: invalid_grant"


@pytest.mark.parametrize("fault, message, reason", [
    ("audience", "nicht für diese Plattform ausgestellt", "id token claim invalid: aud"),
    ("audience-with-azp", "nicht für diese Plattform ausgestellt", "id token claim invalid: aud"),
    ("expired", "Die Bestätigung des Anmeldedienstes ist abgelaufen", "id token expired"),
])
def test_an_id_token_for_another_audience_or_expired_is_refused(sso, browser, make, db, fault, message, reason):
    user = make.user("learner", email=f"{fault}.sso@example.net")
    db.session.commit()
    back = start_and_sign_in(browser, f"{fault}.sso@example.net")
    set_fault(sso, fault)
    _refused(browser, browser.get(_path(back)), message)
    assert _events(db, "login_failed")[-1].detail["reason"] == reason
    assert db.session.scalar(select(OidcIdentity).where(OidcIdentity.user_id == user.id)) is None


def test_a_provider_that_is_down_gets_a_clear_message(app, browser, db):
    saved = {key: app.config.get(key) for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")}
    app.config.update(OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    oidc.register(app)
    try:
        _refused(browser, browser.get("/anmelden/sso"), "Der Anmeldedienst ist im Moment nicht erreichbar")
        assert _events(db, "login_failed")[-1].detail["reason"].startswith("provider unreachable")
    finally:
        app.config.update(saved)
        app.extensions.pop("sso_client", None)


def test_a_deactivated_account_is_refused_and_a_deleted_one_unlinked(sso, browser, make, db):
    from app.privacy.services import delete_account

    user = make.user("learner", email="dieter.sso@example.net")
    db.session.commit()
    browser.get(_path(start_and_sign_in(browser, "dieter.sso@example.net")))
    browser.get("/profil")
    browser.post("/abmelden")
    user.active = False
    db.session.commit()
    _refused(browser, browser.get(_path(start_and_sign_in(browser, "dieter.sso@example.net"))), "Ihr Konto ist deaktiviert")

    from app.privacy.export import collect

    exported = collect(user)["single_sign_on"]
    assert [(e["issuer"], e["subject"]) for e in exported] == [(sso, "dieter.sso@example.net")]
    delete_account(user, deleted_by=user, by="self")
    db.session.commit()
    assert db.session.scalar(select(OidcIdentity).where(OidcIdentity.user_id == user.id)) is None
    response = browser.get(_path(start_and_sign_in(browser, "dieter.sso@example.net")))
    assert response.status_code == 403 and "noch keinem Kurs zugeordnet" in response.get_data(as_text=True)
