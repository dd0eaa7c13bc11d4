"""The directory of certified managers: consent, withdrawal, who finds whom."""
from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.directory import topics
from app.directory.models import DirectoryEntry
from tests.directory.conftest import bind_agency


def opt_in(browser, **overrides):
    browser.get("/netzwerk/mein-eintrag")
    data = {
        "name": "Dana Digital", "municipality": "Fürstenwalde/Spree", "district_ags": "12067", "position": "CDO",
        "topics": "Open Data; Smarte Straßenbeleuchtung, open data", "contact_email": "dana@fuerstenwalde.example", "consent": "y",
    }
    data.update(overrides)
    return browser.post("/netzwerk/mein-eintrag", {k: v for k, v in data.items() if v is not None})


def test_topics_are_split_trimmed_and_deduplicated():
    assert topics.parse(" Open Data;smart  parking,\nOPEN DATA ,, ") == ["Open Data", "smart parking"]
    assert topics.search_key(["Open Data", "Smart Parking"]) == "|open data|smart parking|"
    assert topics.parse(",".join(f"T{i}" for i in range(20)))[-1] == "T11"


def test_nothing_is_listed_without_explicit_consent(db, certify, login_as):
    dana, _ = certify("Dana Digital")
    db.session.commit()
    browser = login_as(dana)
    page = browser.get("/netzwerk/mein-eintrag").get_data(as_text=True)
    assert 'name="consent"' in page and "checked" not in page.split('name="consent"')[1].split(">")[0]
    response = opt_in(browser, consent=None)
    assert response.status_code == 200
    assert "Einwilligung" in response.get_data(as_text=True)
    assert db.session.scalar(select(DirectoryEntry)) is None


def test_opt_in_search_and_withdrawal(db, make, certify, login_as):
    dana, _ = certify("Dana Digital")
    erik, _ = certify("Erik Engel", district_ags="09162", municipality="München")  # Bayern
    db.session.commit()
    dana_browser = login_as(dana)
    assert opt_in(dana_browser).status_code == 302
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.user_id == dana.id))
    assert (entry.land, entry.district_ags, entry.topics) == ("12", "12067", "Open Data, Smarte Straßenbeleuchtung")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory_consent_given")) is not None

    erik_browser = login_as(erik)  # a certified manager from another Land finds her
    for query in ("", "?land=12", "?district_ags=12067", "?topic=open+data", "?topic=straßenbeleuchtung"):
        assert "dana@fuerstenwalde.example" in erik_browser.get(f"/netzwerk{query}").get_data(as_text=True), query
    for query in ("?land=09", "?district_ags=12054", "?topic=Mobilit%C3%A4t"):
        assert "dana@fuerstenwalde.example" not in erik_browser.get(f"/netzwerk{query}").get_data(as_text=True), query
    assert "Erik Engel" not in erik_browser.get("/netzwerk").get_data(as_text=True)  # he has not opted in

    response = dana_browser.post("/netzwerk/mein-eintrag/widerrufen")
    assert response.status_code == 302
    assert db.session.scalar(select(DirectoryEntry)) is None
    assert "dana@fuerstenwalde.example" not in erik_browser.get("/netzwerk").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory_consent_withdrawn")) is not None


def test_agency_users_see_their_own_land_only(db, make, certify, login_as):
    dana, _ = certify("Dana Digital")
    db.session.commit()
    assert opt_in(login_as(dana)).status_code == 302
    brandenburg, bayern, unbound = make.user("agency"), make.user("agency"), make.user("agency")
    bind_agency(brandenburg, "12")
    bind_agency(bayern, "09")
    db.session.commit()
    assert "dana@fuerstenwalde.example" in login_as(brandenburg).get("/netzwerk").get_data(as_text=True)
    bayern_browser = login_as(bayern)
    for query in ("", "?land=12", "?district_ags=12067", "?topic=open+data"):
        assert "dana@fuerstenwalde.example" not in bayern_browser.get(f"/netzwerk{query}").get_data(as_text=True), query
    assert "dana@fuerstenwalde.example" not in login_as(unbound).get("/netzwerk").get_data(as_text=True)
    assert "dana@fuerstenwalde.example" in login_as(make.user("admin")).get("/netzwerk").get_data(as_text=True)


def test_uncertified_people_neither_list_themselves_nor_search(db, make, certify, login_as):
    dana, _ = certify("Dana Digital")
    db.session.commit()
    assert opt_in(login_as(dana)).status_code == 302
    learner = make.enrolment().user
    trainer = make.user("trainer")
    db.session.commit()
    for user in (learner, trainer):
        browser = login_as(user)
        page = browser.get("/netzwerk")
        assert page.status_code == 200 and "dana@fuerstenwalde.example" not in page.get_data(as_text=True)
        assert browser.get("/netzwerk/mein-eintrag").status_code == 403
        assert opt_in(browser).status_code == 403
    assert db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.user_id == learner.id)) is None


def test_revoked_certificate_drops_the_entry_from_results(app, db, make, certify, login_as):
    from app.certificates.services import revoke_certificate

    dana, certificate = certify("Dana Digital")
    erik, _ = certify("Erik Engel")
    db.session.commit()
    assert opt_in(login_as(dana)).status_code == 302
    with app.test_request_context():
        revoke_certificate(certificate, make.user("admin"), "Fehler bei der Bewertung")
    db.session.commit()
    assert "dana@fuerstenwalde.example" not in login_as(erik).get("/netzwerk").get_data(as_text=True)
