"""Health check, security headers, error pages, language switch, demo data."""
from __future__ import annotations

from unittest import mock

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.accounts.models import User
from app.cohorts.models import Enrolment


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "files": "ok"}


def test_healthz_answers_503_when_database_is_unreachable(client, db):
    with mock.patch.object(db.session, "execute", side_effect=OperationalError("SELECT 1", {}, Exception("down"))):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable", "files": "ok"}


def test_healthz_answers_503_when_the_file_store_is_unusable(app, client, tmp_path):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("x")
    saved = app.config["FILE_STORAGE_DIR"]
    app.config["FILE_STORAGE_DIR"] = str(blocker / "files")
    try:
        response = client.get("/healthz")
    finally:
        app.config["FILE_STORAGE_DIR"] = saved
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "files": "unavailable"}


def test_security_headers_on_every_page(client):
    headers = client.get("/anmelden").headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(browser, make):
    response = browser.login(make.user("learner"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_error_pages_are_friendly_and_generic(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Seite nicht gefunden" in page and "Traceback" not in page
    assert client.get("/lernstand").status_code == 302  # login required


def test_language_switch_to_english(browser):
    browser.get("/anmelden")
    browser.post("/sprache", {"lang": "en", "next": "/anmelden"})
    page = browser.get("/anmelden").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page
    browser.post("/sprache", {"lang": "de", "next": "https://evil.example/"})
    assert '<html lang="de">' in browser.get("/anmelden").get_data(as_text=True)


def test_demo_seed_is_idempotent(app, db):
    from app.demo import seed

    with app.app_context():
        created = seed("kurz-kurs")
        assert "user learner@example.org" in created
        users = db.session.scalar(select(func.count()).select_from(User))
        assert seed("kurz-kurs") == []
        assert db.session.scalar(select(func.count()).select_from(User)) == users
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
        # the demo agency account sees the demo cohort's Land, so its dashboard is not empty
        from app.reporting.access import scope_of

        agency = db.session.scalar(select(User).where(User.email == "agency@example.org"))
        assert scope_of(agency) == {"12"} and "Land 12 for agency@example.org" in created


def test_production_refuses_to_start_without_secret(monkeypatch):
    import pytest

    from app import create_app
    from app.config import ConfigError

    with pytest.raises(ConfigError):
        create_app({"ENV_NAME": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_legal_pages_show_the_operator_from_configuration(app, client):
    saved = app.config["OPERATOR_NAME"]
    app.config["OPERATOR_NAME"] = "Qualifizierungsstelle Musterland"
    try:
        for url, heading in (("/impressum", "Impressum"), ("/datenschutz", "Datenschutzerklärung"), ("/barrierefreiheit", "Erklärung zur Barrierefreiheit")):
            page = client.get(url).get_data(as_text=True)
            assert f"<h1>{heading}</h1>" in page and "Qualifizierungsstelle Musterland" in page
        assert "Schlichtungsstelle nach § 16" in client.get("/barrierefreiheit").get_data(as_text=True)
        assert 'href="/datenschutz"' in client.get("/anmelden").get_data(as_text=True)
    finally:
        app.config["OPERATOR_NAME"] = saved


def test_operator_texts_from_legal_dir_replace_the_defaults(app, client, tmp_path):
    (tmp_path / "impressum.md").write_text("## Eigene Angaben\n\n{operator_email} <b>kein HTML</b>\n", encoding="utf-8")
    app.config["LEGAL_DIR"] = str(tmp_path)
    try:
        page = client.get("/impressum").get_data(as_text=True)
    finally:
        app.config["LEGAL_DIR"] = None
    assert "Eigene Angaben" in page and app.config["OPERATOR_EMAIL"] in page and "&lt;b&gt;kein HTML" in page


def test_translations_work_outside_a_request(app):
    """CLI commands and background threads raise DomainErrors with translated messages too."""
    from flask_babel import gettext

    with app.app_context():
        assert gettext("Anzeigen") == "Anzeigen"


def test_templates_follow_a_forced_locale_within_a_request(app):
    """Template translations are looked up once per request and locale (app/templating.py); a
    mail rendered in the recipient's language inside a German request still comes out English,
    and the page after it German again."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"):
        assert render_template_string("{{ _('Anmelden') }}") == "Anmelden"
        with force_locale("en"):
            assert render_template_string("{{ _('Anmelden') }} {{ _('%(n)d %%', n=3) }}") == "Sign in 3 %"
        assert render_template_string("{{ _('Anmelden') }}") == "Anmelden"
    with app.app_context():  # a mail rendered by a CLI command
        assert render_template_string("{{ _('Anmelden') }}") == "Anmelden"


def test_template_translations_without_variables_are_format_strings_all_the_same(app):
    """`_()` skips the `%` for a text with neither variables nor "%" (app/templating.py): a "%%"
    still comes out as "%", a stray "%(n)d" still fails, and the result is Markup when autoescaping."""
    import pytest
    from flask import render_template_string
    from markupsafe import Markup

    with app.test_request_context("/"):
        assert render_template_string("{{ _('100 %%') }}|{{ _('a & b') }}") == "100 %|a & b"
        assert isinstance(app.jinja_env.globals["_"](app.jinja_env.from_string("").new_context().eval_ctx, "Anmelden"), Markup)
        with pytest.raises(KeyError):
            render_template_string("{{ _('%(n)d Tage') }}")


def test_template_translations_escape_their_values_in_loops_and_blocks(app):
    """`_()` and `ngettext()` take the autoescape flag without a context of their own
    (app/templating.py): values are escaped, the translation is not, inside loops and after a
    {% set %} as outside, and plain text templates (mails) stay unescaped."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("en"):
        page = ("{% set who = '<b>' %}{% for n in [1, 2] %}{{ _('Anmelden') }} {{ _('%(n)d %%', n=n) }} "
                "{{ _('Willkommen, %(name)s.', name=who) }} {{ ngettext('%(num)d Zertifikat', '%(num)d Zertifikate', n) }}|{% endfor %}")
        assert render_template_string(page) == ("Sign in 1 % Welcome, &lt;b&gt;. 1 certificate|"
                                                "Sign in 2 % Welcome, &lt;b&gt;. 2 certificates|")
        env = app.jinja_env
        assert env.from_string("{% autoescape false %}{{ _('Willkommen, %(name)s.', name='<b>') }}{% endautoescape %}").render() \
            == "Welcome, <b>."
