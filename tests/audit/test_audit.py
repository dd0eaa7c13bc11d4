"""Security-relevant events are recorded and readable by admins only."""
from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent


def actions(db) -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_logins_failures_and_logouts_are_recorded(browser, db, make):
    user = make.user("learner")
    browser.get("/anmelden")
    browser.post("/anmelden", {"email": user.email, "password": "falsch-falsch-falsch"})
    browser.post("/anmelden", {"email": "unbekannt@example.net", "password": "falsch-falsch-falsch"})
    browser.login(user)
    browser.post("/abmelden")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["login_failed", "login_failed", "login", "logout"]
    assert events[0].actor_id == user.id and events[1].actor_id is None
    assert events[1].detail == {"email": "unbekannt@example.net"}


def test_only_admins_read_the_log(browser, another_browser, make):
    browser.login(make.user("admin"))
    page = browser.get("/admin/protokoll?action=login").get_data(as_text=True)
    assert "Protokoll sicherheitsrelevanter Ereignisse" in page and "Anmeldung" in page
    for role in ("learner", "trainer", "agency"):
        other = another_browser
        other.login(make.user(role))
        assert other.get("/admin/protokoll").status_code == 403
        other.post("/abmelden")
