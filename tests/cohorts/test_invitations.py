"""Invitations: preview with per-row errors, all-or-nothing import, single-use expiring links."""
from __future__ import annotations

import re

from openpyxl import Workbook
from sqlalchemy import select

from app.accounts.models import User
from app.cohorts import services
from app.cohorts.importing import rows_from_pasted
from app.cohorts.models import Enrolment, EnrolmentStatus, Invitation
from app.errors import DomainError
from app.mail.models import OutgoingMail
from app.mail.services import deliver_pending
from tests.cohorts.conftest import counts, expire, link_from, upload

GOOD_CSV = (
    "\ufeffName;E-Mail;Kommune;Kreis;Position\n"
    "Jörg Müßig;joerg@kommune.example;Fürstenwalde/Spree;Oder-Spree;Bauamt\n"
    "Anna Ölberg;anna@kommune.example;Potsdam;12054;Digitalisierung\n"
).encode()


def test_preview_shows_row_errors_and_writes_nothing(trainer_browser, cohort, db):
    before = counts(db)
    bad = GOOD_CSV + "Kaputt;kein-at;Kiel;Atlantis;\n".encode()
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einladen", {"file": upload("liste.csv", bad)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Es wurde nichts gespeichert" in page
    assert "„kein-at“ ist keine gültige E-Mail-Adresse." in page
    assert "Kreis „Atlantis“ unbekannt" in page
    assert "Jörg Müßig" in page  # good rows are shown too
    assert "Alle einladen" not in page  # no way to confirm a broken list
    assert counts(db) == before


def test_good_list_is_previewed_then_imported_at_once(app, trainer_browser, cohort, db):
    before = counts(db)
    page = trainer_browser.post(f"/kohorten/{cohort.id}/einladen", {"file": upload("liste.csv", GOOD_CSV)}).get_data(as_text=True)
    assert "Alle 2 Zeilen sind in Ordnung" in page
    assert counts(db) == before  # the preview wrote nothing
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', page).group(1)
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einladen/bestaetigen", {"payload": payload})
    assert response.status_code == 302
    assert counts(db) == (before[0] + 2, before[1] + 2, before[2] + 2)
    joerg = db.session.scalar(select(User).where(User.email == "joerg@kommune.example"))
    assert joerg.password_hash is None and joerg.district_ags == "12067" and joerg.land == "12" and joerg.municipality == "Fürstenwalde/Spree"
    assert {e.status for e in joerg.enrolments} == {EnrolmentStatus.INVITED}


def test_tampered_payload_is_refused(trainer_browser, cohort, db):
    before = counts(db)
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einladen/bestaetigen", {"payload": "eyJmYWtlIjoxfQ.bogus.sig"})
    assert response.status_code == 302 and counts(db) == before


def test_xlsx_upload_with_a_broken_row_imports_nothing(trainer_browser, cohort, db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "E-Mail", "Kommune", "Kreis", "Position"])
    sheet.append(["Gute Zeile", "gut@kommune.example", "Cottbus", "12052", "IT"])
    sheet.append(["Doppelt", "GUT@kommune.example", "Cottbus", "12052", "IT"])
    path = tmp_path / "liste.xlsx"
    workbook.save(path)
    before = counts(db)
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einladen", {"file": upload(path.name, path.read_bytes())})
    assert response.status_code == 422
    assert "Diese Adresse steht schon in Zeile 2." in response.get_data(as_text=True)
    assert counts(db) == before


def test_service_refuses_the_whole_list_if_one_row_is_wrong(app, db, cohort, trainer):
    before = counts(db)
    rows = rows_from_pasted("a@kommune.example, b@kommune.example, nicht-gueltig")
    with app.test_request_context():
        try:
            services.invite(cohort, rows, trainer)
        except DomainError:
            pass
        else:
            raise AssertionError("a broken row must stop the import")
    assert counts(db) == before


def test_seats_are_respected(app, db, make, trainer, trainer_browser):
    small = make.cohort(trainers=[trainer])
    small.seats = 2
    make.enrolment(cohort=small)
    before = counts(db)
    response = trainer_browser.post(f"/kohorten/{small.id}/einladen", {"emails": "a@kommune.example\nb@kommune.example"})
    assert response.status_code == 422
    assert "nur noch 1 freie Plätze" in response.get_data(as_text=True)
    assert counts(db) == before


def test_registered_learner_is_enrolled_without_a_new_account(app, db, make, cohort, trainer):
    existing = make.user("learner", email="lena@kommune.example")
    before = counts(db)
    with app.test_request_context():
        result = services.invite(cohort, rows_from_pasted("LENA@kommune.example, neu@kommune.example"), trainer)
    assert (result.enrolled, result.invited) == (1, 1)
    assert counts(db) == (before[0] + 1, before[1] + 2, before[2] + 1)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == existing.id))
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.cohort_id == cohort.id
    subjects = db.session.scalars(select(OutgoingMail.subject).where(OutgoingMail.recipient == existing.email)).all()
    assert any("eingeschrieben" in s for s in subjects)
    # and a second invitation of the same person is refused per row
    with app.test_request_context():
        preview = services.preview_invitations(cohort, rows_from_pasted("lena@kommune.example"))
    assert not preview.ok and preview.rows[0].errors[0].code == "enrolled"


def invite_one(app, browser, cohort, smtp_server, email="neu@kommune.example") -> str:
    page = browser.post(f"/kohorten/{cohort.id}/einladen", {"emails": f"Nina Neu <{email}>"}).get_data(as_text=True)
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', page).group(1)
    assert browser.post(f"/kohorten/{cohort.id}/einladen/bestaetigen", {"payload": payload}).status_code == 302
    with app.app_context():
        deliver_pending()
    message = [m for m in smtp_server.messages if m["to"] == [email]][-1]["message"]
    assert "Einladung" in message["Subject"]
    return link_from(message.get_content())


ACCEPT = {"password": "ein langes gutes passwort", "confirm": "ein langes gutes passwort", "name": "Nina Neu",
          "municipality": "Stadt Cottbus", "district_ags": "12052", "position": "Stabsstelle Digitales"}


def test_invitation_mail_link_sets_password_and_profile_once(app, db, trainer_browser, another_browser, cohort, smtp_server):
    link = invite_one(app, trainer_browser, cohort, smtp_server)
    page = another_browser.get(link)
    assert page.status_code == 200 and "Nina Neu" in page.get_data(as_text=True)
    assert "Destatis" in page.get_data(as_text=True)  # the district list carries its attribution
    response = another_browser.post(link, ACCEPT)
    assert response.status_code == 302 and response.location.endswith("/lernstand")
    user = db.session.scalar(select(User).where(User.email == "neu@kommune.example"))
    db.session.refresh(user)
    assert user.password_hash and user.district_ags == "12052" and user.land == "12" and user.municipality == "Stadt Cottbus"
    assert user.enrolments[0].status == EnrolmentStatus.ACTIVE
    # single use: the same link no longer works, even for a new password
    other = type(another_browser)(app.test_client())
    assert other.get(link).status_code == 410
    assert other.post(link, {**ACCEPT, "password": "ein anderes passwort!", "confirm": "ein anderes passwort!"}).status_code == 410
    other.login(user.email, ACCEPT["password"])


def test_expired_link_is_refused_and_resend_gives_a_new_one(app, db, trainer_browser, another_browser, cohort, smtp_server):
    link = invite_one(app, trainer_browser, cohort, smtp_server)
    invitation = db.session.scalar(select(Invitation).order_by(Invitation.id.desc()))
    expire(db, invitation)
    assert another_browser.get(link).status_code == 410
    assert another_browser.post(link, ACCEPT).status_code == 410
    enrolment = invitation.enrolment
    trainer_browser.get(f"/kohorten/{cohort.id}")
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einschreibungen/{enrolment.id}/erneut-einladen")
    assert response.status_code == 302
    with app.app_context():
        deliver_pending()
    new_link = link_from([m for m in smtp_server.messages if m["to"] == ["neu@kommune.example"]][-1]["message"].get_content())
    assert new_link != link
    assert another_browser.get(new_link).status_code == 200


def test_resend_kills_the_old_link(app, db, trainer_browser, another_browser, cohort, smtp_server):
    link = invite_one(app, trainer_browser, cohort, smtp_server)
    enrolment = db.session.scalar(select(Invitation).order_by(Invitation.id.desc())).enrolment
    trainer_browser.get(f"/kohorten/{cohort.id}")
    trainer_browser.post(f"/kohorten/{cohort.id}/einschreibungen/{enrolment.id}/erneut-einladen")
    assert another_browser.get(link).status_code == 410


def test_invitation_validity_is_configurable(app, db, cohort, trainer):
    app.config["INVITATION_DAYS"] = 3
    try:
        with app.test_request_context():
            services.invite(cohort, rows_from_pasted("kurz@kommune.example"), trainer)
        invitation = db.session.scalar(select(Invitation).order_by(Invitation.id.desc()))
        assert 2.9 < (invitation.expires_at - invitation.created_at).total_seconds() / 86400 < 3.1
        mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == "kurz@kommune.example"))
        assert "3 Tage gültig" in mail.body
    finally:
        app.config["INVITATION_DAYS"] = 14
