"""The layout's header and footer are rendered once per language and navigation state
(app.templating): what differs per request — the CSRF token, the current path, the current
entry, the badge, the language — must still differ."""
from __future__ import annotations

import re


def tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


def test_each_browser_gets_its_own_csrf_token_in_the_cached_header(make, browser, another_browser):
    browser.login(make.user("learner"))
    another_browser.login(make.user("learner"))
    mine = browser.get("/impressum").get_data(as_text=True)
    theirs = another_browser.get("/impressum").get_data(as_text=True)
    assert len(tokens(mine)) == 1 and len(tokens(theirs)) == 1  # logout and language forms carry the same
    assert tokens(mine) != tokens(theirs)
    assert browser.post("/abmelden").status_code == 302  # the header's token is accepted
    assert browser.get("/lernstand").status_code == 302  # signed out


def test_the_language_form_returns_to_this_page_escaped(client):
    page = client.get('/impressum?x="><script>').get_data(as_text=True)
    assert 'name="next" value="/impressum?x=%22%3E%3Cscript%3E"' in page or \
        'name="next" value="/impressum?x=&#34;&gt;&lt;script&gt;"' in page
    assert "<script>" not in page
    page = client.get("/datenschutz").get_data(as_text=True)
    assert 'name="next" value="/datenschutz"' in page


def test_the_current_entry_and_the_language_follow_the_request(make, browser):
    browser.login(make.user("learner"))
    dashboard = browser.get("/lernstand").get_data(as_text=True)
    imprint = browser.get("/impressum").get_data(as_text=True)
    assert re.search(r'href="/lernstand" aria-current="page">Mein Lernstand<', dashboard)
    assert 'aria-current="page"' not in imprint.split("</header>")[0]
    browser.post("/sprache", {"lang": "en", "next": "/impressum"})
    english = browser.get("/impressum").get_data(as_text=True)
    assert '<html lang="en">' in english and ">Sign out<" in english and ">Legal notice<" in english
    assert ">Abmelden<" not in english


def test_the_signed_csrf_token_is_kept_per_session_token_only(app, browser, another_browser, monkeypatch):
    """app.security.csrf_token signs a session's token once and reuses it: the same token on every
    page of a session, another for another session, and a new one (the old refused) once the
    session's token is new — the cache is keyed by the session token. The signature carries the
    second it was made in, so the clock moves on after the session's first page: the page that gave
    the session its token must have kept the signed one too (it once did not, and the test failed
    whenever the two pages fell into different seconds)."""
    import itsdangerous.timed

    first = tokens(browser.get("/impressum").get_data(as_text=True))
    later = itsdangerous.timed.time.time() + 5
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(later))
    assert tokens(browser.get("/datenschutz").get_data(as_text=True)) == first
    assert tokens(another_browser.get("/impressum").get_data(as_text=True)) != first
    with browser.client.session_transaction() as session:
        session["csrf_token"] = "a-new-session-token"
    renewed = tokens(browser.get("/impressum").get_data(as_text=True))
    assert len(renewed) == 1 and renewed != first
    (old,) = first
    assert browser.post("/sprache", {"lang": "en", "next": "/impressum", "csrf_token": old}).status_code == 400
    assert browser.post("/sprache", {"lang": "en", "next": "/impressum"}).status_code == 302  # the renewed one


def test_the_request_language_is_read_once_and_follows_force_locale_and_refresh(app, make, db):
    """app.i18n.locale_name keeps "de"/"en" per request beside Flask-Babel's locale: force_locale()
    (a mail in the recipient's language) and refresh() after a language change must still switch
    it, as they switch get_locale(). select_locale hands Flask-Babel one Locale per identifier."""
    from flask_babel import force_locale, get_locale, refresh
    from flask_login import login_user

    from app.i18n import locale_name, select_locale

    from app.accounts.services import start_session

    user = make.user("learner")
    start_session(user)
    with app.test_request_context("/impressum"):
        assert locale_name() == "de" and locale_name() == str(get_locale())
        with force_locale("en"):
            assert locale_name() == "en"
        assert locale_name() == "de"
        login_user(user)
        user.locale = "en"
        assert locale_name() == "de"  # chosen for this request already, as get_locale() says
        refresh()
        assert locale_name() == "en" == str(get_locale())
        assert select_locale() is select_locale()  # the same Locale object, not parsed again
    assert locale_name() == str(get_locale())  # after the request: what Flask-Babel says (here the test's app context)


def test_the_navigation_state_follows_the_current_entry_and_the_badge(app, make, db):
    """app.navigation keeps each role's entries with their endpoints and badge entries; the state
    (the cached header's key) must still name the current entry and today's badge count."""
    from flask_login import login_user

    from app import navigation

    from app.accounts.services import start_session

    user = make.user("learner")
    start_session(user)
    with app.test_request_context("/lernstand"):
        login_user(user)
        assert navigation.state_for_current_user("de") == ("learner", "learning.dashboard", ())
        assert navigation.state_for_current_user() == navigation.state_for_current_user("de")
    with app.test_request_context("/impressum"):
        login_user(user)
        assert navigation.state_for_current_user("de") == ("learner", None, ())
    counted = []
    navigation.register("core.imprint", lambda: "Test", {"learner"}, 99, badge=lambda u: counted.append(u) or len(counted))
    try:
        with app.test_request_context("/impressum"):
            login_user(user)
            assert navigation.state_for_current_user("de")[2] == (1,)
            assert navigation.state_for_current_user("de")[2] == (2,)  # computed per call, not kept
    finally:
        del navigation._ENTRIES["core.imprint"]
        navigation._CACHE.clear()
