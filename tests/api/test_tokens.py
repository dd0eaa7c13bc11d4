"""Tokens are created and revoked in the UI by their owner, shown once, stored hashed."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.api.models import ApiToken
from app.audit.models import AuditEvent
from tests.api.conftest import bearer


def create_in_ui(browser, name: str = "Landesstatistik") -> str:
    browser.get("/api-zugang")
    response = browser.post("/api-zugang", {"name": name})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return re.search(r'id="new-token" type="text" readonly value="(scc_[^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_token_is_shown_once_and_stored_only_as_its_hash(browser, client, world, db):
    browser.login(world.agency_12)
    token = create_in_ui(browser)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.agency_12.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in (row.token_hash, row.prefix)
    assert row.prefix == token[:8]
    page = browser.get("/api-zugang").get_data(as_text=True)
    assert token not in page and "Landesstatistik" in page and row.prefix in page
    assert client.get("/api/v1/figures", headers=bearer(token)).status_code == 200
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "api_token_created"))


def test_revoked_token_stops_working(browser, client, world, db):
    browser.login(world.agency_12)
    token = create_in_ui(browser)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.agency_12.id))
    assert browser.post(f"/api-zugang/{row.id}/widerrufen").status_code == 302
    response = client.get("/api/v1/figures", headers=bearer(token))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "widerrufen am" in browser.get("/api-zugang").get_data(as_text=True)


def test_nobody_else_revokes_my_token(browser, another_browser, client, world, db, make):
    browser.login(world.agency_12)
    token = create_in_ui(browser)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.agency_12.id))
    another_browser.login(world.agency_09)
    another_browser.get("/api-zugang")
    assert another_browser.post(f"/api-zugang/{row.id}/widerrufen").status_code == 404
    assert client.get("/api/v1/figures", headers=bearer(token)).status_code == 200


def test_revoking_needs_the_csrf_token(browser, world, db):
    browser.login(world.agency_12)
    create_in_ui(browser)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.agency_12.id))
    assert browser.post(f"/api-zugang/{row.id}/widerrufen", csrf=False).status_code == 400
    db.session.refresh(row)
    assert row.revoked_at is None


def test_learners_and_trainers_get_no_tokens(browser, make, world):
    for role in ("learner", "trainer"):
        browser.login(make.user(role))
        assert browser.get("/api-zugang").status_code == 403
        browser.post("/abmelden")


def test_token_follows_its_owner(client, tokens, world, db):
    """Deactivated owner: 401. Owner no longer agency: 403. Scope changed: the token sees the new scope."""
    from app.admin.services import change_role, set_active, set_agency_laender

    set_agency_laender(world.agency_12, ["09"])
    db.session.commit()
    lands = [item["key"] for item in client.get("/api/v1/figures", headers=bearer(tokens["agency_12"])).get_json()["items"]]
    assert lands == ["09"]
    change_role(world.agency_12, __import__("app.accounts.models", fromlist=["Role"]).Role.LEARNER, world.admin)
    db.session.commit()
    assert client.get("/api/v1/figures", headers=bearer(tokens["agency_12"])).status_code == 403
    set_active(world.agency_09, False, world.admin)
    db.session.commit()
    assert client.get("/api/v1/figures", headers=bearer(tokens["agency_09"])).status_code == 401


def test_the_session_cookie_opens_nothing_in_the_api(browser, world):
    browser.login(world.admin)
    assert browser.get("/api/v1/figures").status_code == 401
