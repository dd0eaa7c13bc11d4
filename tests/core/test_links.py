"""Links that leave the site are built on BASE_URL (app/links.py): the same from a request, a CLI
command or a worker, and whatever Host header a request came with."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.services import request_password_reset
from app.links import absolute_url, base_url, site_url
from app.mail.models import OutgoingMail


@pytest.fixture()
def public_address(app):
    """A public address unlike the test server's own name (SERVER_NAME campus.test), with a path,
    as behind a proxy that serves the campus under /lernen."""
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://bildung.kommune.example/lernen/"
    yield "https://bildung.kommune.example/lernen"
    app.config["BASE_URL"] = saved


def _link(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


def _last_mail_to(db, email: str) -> OutgoingMail:
    return db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == email).order_by(OutgoingMail.id.desc())).first()


def test_routes_and_fixed_paths_on_base_url(app, public_address):
    with app.app_context():
        assert base_url() == public_address
        assert absolute_url("learning.dashboard") == public_address + "/lernstand"
        assert absolute_url("learning.dashboard", tab="a b") == public_address + "/lernstand?tab=a+b"  # like url_for
        assert site_url("/verify/ABC") == public_address + "/verify/ABC"
        assert site_url("verify/ABC") == public_address + "/verify/ABC"


def test_the_same_link_in_a_request_and_outside_one(app, public_address):
    with app.app_context():
        outside = absolute_url("accounts.reset_password", token="t")
    with app.test_request_context("/irgendwo", base_url="http://10.0.0.5:8000/intern"):
        inside = absolute_url("accounts.reset_password", token="t")
    assert inside == outside
    assert outside.startswith(public_address + "/") and outside.endswith("/t")


def test_a_mail_queued_without_a_request_links_to_base_url(app, db, make, public_address):
    """As from a CLI command or a worker: an app context, no request."""
    user = make.user("learner")
    with app.app_context():
        request_password_reset(user.email)
        mail = _last_mail_to(db, user.email)
    assert _link(mail.body).startswith(public_address + "/")
    assert "/passwort-neu/" in _link(mail.body)


def test_a_forged_host_header_does_not_reach_the_mail(app, db, browser, make, public_address):
    user = make.user("learner")
    browser.get("http://angreifer.example/passwort-vergessen")
    response = browser.post("http://angreifer.example/passwort-vergessen", {"email": user.email})
    assert response.status_code in (200, 302), response.status_code
    mail = _last_mail_to(db, user.email)
    assert mail is not None, "the request did not queue a mail"
    assert _link(mail.body).startswith(public_address + "/")
    assert "angreifer" not in mail.body
