"""The public verify page is rate-limited per client address, the form and the code links
together, and says so in German with a Retry-After header."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate


@pytest.fixture()
def certificate(db, graduate) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == graduate.id))


@pytest.fixture()
def verify_limit(app, monkeypatch):
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    limiter.reset()
    yield
    limiter.reset()


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_verify_answers_429_with_retry_after_in_german_once_the_limit_is_used(browser, certificate, verify_limit):
    statuses = [browser.get(f"/verify/{certificate.code}", **from_address("198.51.100.7")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = browser.get(f"/verify/{certificate.code}", **from_address("198.51.100.7"))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert "<h1>Zu viele Anfragen</h1>" in page and "Bitte versuchen Sie es in" in page
    assert 'href="/verify"' in page
    assert certificate.code not in page.split("<main", 1)[1]  # says nothing about the certificate


def test_the_form_and_the_code_links_share_one_count(browser, certificate, verify_limit):
    address = from_address("198.51.100.8")
    assert browser.get(f"/verify/{certificate.code}", **address).status_code == 200
    assert browser.get("/verify/nichtvorhanden123", **address).status_code == 404  # unknown codes count too
    assert browser.get("/verify", **address).status_code == 200
    assert browser.get(f"/verify?number={certificate.number}&code={certificate.code}", **address).status_code == 429


def test_each_client_address_has_its_own_count(browser, certificate, verify_limit):
    for _ in range(3):
        browser.get(f"/verify/{certificate.code}", **from_address("198.51.100.9"))
    assert browser.get(f"/verify/{certificate.code}", **from_address("198.51.100.9")).status_code == 429
    assert browser.get(f"/verify/{certificate.code}", **from_address("203.0.113.5")).status_code == 200
