"""Login, logout, CSRF and password reset by emailed single-use token."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, func, select

from app.accounts.models import LoginSession, PasswordResetToken
from app.db import utcnow
from app.mail.models import OutgoingMail
from app.mail.services import deliver_pending
from tests.conftest import Browser, read_mails


def test_login_with_right_password_and_logout(browser, make):
    user = make.user("learner")
    response = browser.login(user)
    assert response.location == "/"
    assert "Mein Lernstand" in browser.get("/lernstand").get_data(as_text=True)
    browser.post("/abmelden")
    assert browser.get("/lernstand").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_generic_message(browser, make):
    user = make.user("learner")
    browser.get("/anmelden")
    wrong = browser.post("/anmelden", {"email": user.email, "password": "falsch-falsch-falsch"})
    unknown = browser.post("/anmelden", {"email": "niemand@example.net", "password": "falsch-falsch-falsch"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)


def test_password_hash_is_argon2id(make):
    user = make.user("learner")
    assert user.password_hash.startswith("$argon2id$")


def test_forms_without_csrf_token_are_refused(browser, make):
    user = make.user("learner")
    response = browser.post("/anmelden", {"email": user.email, "password": make.PASSWORD}, csrf=False)
    assert response.status_code == 400


def test_login_redirect_only_to_own_site(browser, make):
    user = make.user("learner")
    browser.get("/anmelden")
    response = browser.post("/anmelden?next=https://evil.example/", {"email": user.email, "password": make.PASSWORD})
    assert response.location == "/"


def test_demo_logins_shown_only_when_demo_data_present(browser, make):
    assert "Demo-Zugänge" not in browser.get("/anmelden").get_data(as_text=True)
    make.user("learner", email="learner@example.org")
    page = browser.get("/anmelden").get_data(as_text=True)
    assert "Demo-Zugänge" in page and "learner@example.org" in page


def _reset_link(app) -> str:
    deliver_pending()
    # the newest reset mail: the session's mail folder also holds other tests' mails, some
    # written under a frozen clock whose file names sort after today's
    # (other tests' mails may have attachments: their text part, not the multipart whole)
    links = [re.search(r"http://campus\.test(/passwort-neu/\S+)", mail.get_body(("plain",)).get_content()) for mail in read_mails(app)]
    return [link for link in links if link][-1].group(1)


def test_password_reset_by_mail_is_single_use_and_ends_other_sessions(app, browser, another_browser, make):
    user = make.user("learner")
    another_browser.login(user)  # a session elsewhere
    browser.get("/passwort-vergessen")
    response = browser.post("/passwort-vergessen", {"email": user.email.upper()})
    assert response.status_code == 302
    link = _reset_link(app)
    assert browser.get(link).status_code == 200
    response = browser.post(link, {"password": "ein ganz neues Passwort", "confirm": "ein ganz neues Passwort"})
    assert response.status_code == 302
    assert browser.get(link).status_code == 410  # single use
    assert another_browser.get("/lernstand").status_code == 302  # the old session ended
    browser.login(user, "ein ganz neues Passwort")


def test_reset_refuses_short_and_common_passwords(app, browser, make):
    user = make.user("learner")
    browser.get("/passwort-vergessen")
    browser.post("/passwort-vergessen", {"email": user.email})
    link = _reset_link(app)
    browser.get(link)
    short = browser.post(link, {"password": "kurz", "confirm": "kurz"}).get_data(as_text=True)
    assert "mindestens 12 Zeichen" in short
    common = browser.post(link, {"password": "password1234", "confirm": "password1234"}).get_data(as_text=True)
    assert "zu verbreitet" in common


def test_expired_reset_token_is_refused(app, browser, db, make):
    user = make.user("learner")
    browser.get("/passwort-vergessen")
    browser.post("/passwort-vergessen", {"email": user.email})
    link = _reset_link(app)
    token = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert browser.get(link).status_code == 410


def test_reset_for_unknown_address_sends_nothing_and_says_the_same(app, browser):
    before = len(read_mails(app))
    browser.get("/passwort-vergessen")
    response = browser.post("/passwort-vergessen", {"email": "niemand@example.net"}, follow_redirects=True)
    assert "Wenn ein Konto mit dieser Adresse besteht" in response.get_data(as_text=True)
    deliver_pending()
    assert len(read_mails(app)) == before


def test_login_attempts_are_rate_limited(app, browser, make):
    from app.extensions import limiter

    user = make.user("learner")
    saved = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        browser.get("/anmelden")
        statuses = [browser.post("/anmelden", {"email": user.email, "password": "falsch-falsch-falsch"}).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        page = browser.post("/anmelden", {"email": user.email, "password": make.PASSWORD})
        assert page.status_code == 429  # even the right password waits
        assert "Zu viele Versuche" in page.get_data(as_text=True)
    finally:
        app.config["LOGIN_RATE_LIMIT"] = saved
        limiter.reset()


def test_setting_a_password_voids_every_other_reset_link(app, browser, another_browser, db, make):
    """Issue 21: two reset mails, reset with the first — the second link used to set a password too."""
    user = make.user("learner")
    browser.get("/passwort-vergessen")
    browser.post("/passwort-vergessen", {"email": user.email})
    first = _reset_link(app)
    browser.post("/passwort-vergessen", {"email": user.email})
    second = _reset_link(app)
    assert first != second
    response = browser.post(first, {"password": "das erste neue Passwort", "confirm": "das erste neue Passwort"})
    assert response.status_code == 302
    assert another_browser.get(second).status_code == 410
    response = another_browser.post(second, {"password": "ein fremdes Passwort!", "confirm": "ein fremdes Passwort!"})
    assert response.status_code == 410
    browser.login(user, "das erste neue Passwort")
    assert all(t.used_at is not None for t in db.session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.user_id == user.id)))


def test_set_password_voids_open_reset_links_whichever_way_it_is_called(app, db, make):
    from app.accounts.services import find_reset_token, request_password_reset, set_password

    user = make.user("learner")
    with app.test_request_context():
        request_password_reset(user.email)
    token = re.search(r"/passwort-neu/(\S+)", db.session.scalars(select(OutgoingMail)).all()[-1].body).group(1)
    assert find_reset_token(token) is not None
    set_password(user, "ein ganz neues Passwort")  # reset, invitation acceptance: all go through it
    assert find_reset_token(token) is None


def _session_cookie(browser) -> str:
    return browser.client.get_cookie("scc_session", domain="campus.test").value


def _replay(app, cookie: str):
    """Another client that has nothing but a copy of the cookie."""
    thief = Browser(app.test_client())
    thief.client.set_cookie("scc_session", cookie, domain="campus.test")
    return thief.get("/profil")


def test_a_copied_cookie_opens_nothing_after_logout(app, browser, make):
    """Issue 21: the cookie copied before POST /abmelden used to open /profil afterwards."""
    user = make.user("learner")
    browser.login(user)
    copied = _session_cookie(browser)
    assert _replay(app, copied).status_code == 200  # the copy works while signed in
    browser.post("/abmelden")
    response = _replay(app, copied)
    assert response.status_code == 302 and response.location.startswith("/anmelden")


def test_logout_ends_only_this_session(app, browser, another_browser, make):
    user = make.user("learner")
    browser.login(user)
    another_browser.login(user)
    browser.post("/abmelden")
    assert browser.get("/profil").status_code == 302
    assert another_browser.get("/profil").status_code == 200


def test_logout_everywhere_ends_every_session_of_the_user(app, browser, another_browser, make, db):
    user, other = make.user("learner"), make.user("learner")
    browser.login(user)
    another_browser.login(user)
    copied = _session_cookie(another_browser)
    bystander = Browser(app.test_client())
    bystander.login(other)
    page = browser.get("/profil").get_data(as_text=True)
    assert 'action="/abmelden/ueberall"' in page and "Überall abmelden" in page
    response = browser.post("/abmelden/ueberall")
    assert response.status_code == 302 and response.location == "/anmelden"
    assert "Sie sind auf allen Geräten abgemeldet." in browser.get("/anmelden").get_data(as_text=True)
    assert another_browser.get("/profil").status_code == 302
    assert _replay(app, copied).status_code == 302
    assert bystander.get("/profil").status_code == 200  # someone else's sessions are not touched
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)) == 0
    browser.login(user)  # signing in again works


def test_logout_everywhere_needs_the_csrf_token(browser, make):
    browser.login(make.user("learner"))
    assert browser.post("/abmelden/ueberall", csrf=False).status_code == 400
    assert browser.get("/profil").status_code == 200


def test_deactivating_an_account_ends_its_sessions(app, browser, make, db):
    from app.admin.services import set_active

    user, admin = make.user("learner"), make.user("admin")
    browser.login(user)
    set_active(user, False, actor=admin)
    db.session.commit()
    assert browser.get("/profil").status_code == 302


def test_a_session_ends_after_its_lifetime_and_the_purge_removes_it(app, browser, make, db):
    from app.privacy.services import purge_tokens

    user = make.user("learner")
    browser.login(user)
    row = db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    row.created_at = utcnow() - app.permanent_session_lifetime - timedelta(minutes=1)
    db.session.commit()
    assert browser.get("/profil").status_code == 302
    assert purge_tokens().login_sessions == 1
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)) == 0


def test_the_signed_in_user_loads_with_one_query(app, browser, make, db):
    """Every signed-in request pays for this: one statement over the unique key hash."""
    from app.security import load_user
    from bench.queries import counting

    user = make.user("learner")
    browser.login(user)
    session_id = f"{user.id}:{_session_cookie_key(app, browser)}"
    db.session.expunge_all()
    with app.test_request_context(), counting(db.engine) as statements:
        loaded = load_user(session_id)
    assert loaded is not None and loaded.id == user.id and statements[0] == 1
    with app.test_request_context():
        assert load_user(f"{user.id}:not-the-key") is None
        assert load_user(f"{make.user('learner').id}:{session_id.partition(':')[2]}") is None  # key of another user


def test_the_signed_in_user_is_the_object_the_orm_would_load(app, browser, make, db):
    """The session check reads the user's row through the driver (app.db.read_row) and makes the
    object from it: every column the same, with the same types, and an ordinary object of the
    session — a change to it is saved, a relationship loads."""
    from sqlalchemy import inspect

    from app.accounts.models import User
    from app.security import load_user

    user = make.user("trainer")
    user.locale = "en"
    browser.login(user)
    session_id = f"{user.id}:{_session_cookie_key(app, browser)}"
    db.session.expunge_all()
    expected = db.session.get(User, user.id)
    columns = {c.key: getattr(expected, c.key) for c in inspect(User).column_attrs}
    db.session.expunge_all()
    with app.test_request_context():
        loaded = load_user(session_id)
        assert {key: getattr(loaded, key) for key in columns} == columns
        assert {key: type(getattr(loaded, key)) for key in columns} == {key: type(value) for key, value in columns.items()}
        assert loaded.created_at.tzinfo is not None and inspect(loaded).persistent and loaded.enrolments == []
        assert load_user(session_id) is loaded  # the session's object for that key, as a query returns it
        loaded.name = "Neu Benannt"
        db.session.commit()
    db.session.expunge_all()
    assert db.session.get(User, user.id).name == "Neu Benannt"


def test_the_session_check_outside_a_test_transaction(app):
    """In production the session is bound to the engine: the check reads on a pooled connection of
    its own, and the request's session opens its transaction only when the page queries."""
    from app.accounts.models import LoginSession, Role, User
    from app.accounts.services import create_user, start_session
    from app.extensions import db as _db
    from app.security import load_user
    from bench.queries import counting

    with app.app_context():
        user = create_user("engine-path@example.net", "Engine Pfad", Role.LEARNER, "ein-sicheres-passwort")
        key = start_session(user)
        _db.session.commit()
        user_id = user.id
        _db.session.remove()
        try:
            with app.test_request_context(), counting(_db.engine) as statements:
                loaded = load_user(f"{user_id}:{key}")
                assert loaded.email == "engine-path@example.net" and loaded.role == Role.LEARNER
                assert statements[0] == 1  # the check alone: no BEGIN, no transaction left open
                _db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
                _db.session.commit()
                _db.session.expunge_all()
                assert load_user(f"{user_id}:{key}") is None
        finally:
            _db.session.remove()
            _db.session.execute(delete(User).where(User.id == user_id))
            _db.session.commit()
            _db.session.remove()


def _session_cookie_key(app, browser) -> str:
    with browser.client.session_transaction() as session:
        return session["_user_id"].partition(":")[2]
