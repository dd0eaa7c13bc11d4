"""The certificate pages: who sees what, verification, admin actions, the cohort ZIP."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.certificates.documents import render_pdf
from app.certificates.models import Certificate, CertificateStatus
from app.mail.models import OutgoingMail


@pytest.fixture()
def certificate(db, graduate) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == graduate.id))


@pytest.fixture()
def trainer(graduate):
    return graduate.cohort.trainers[0]


def test_verify_page_shows_status_name_qualification_and_date_only(browser, certificate, graduate):
    page = browser.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Gültig" in page and "Jürgen Müßig-Özdemir" in page and "Kurzkurs Smart City" in page
    for private in (graduate.user.email, certificate.number, graduate.cohort.name, "Lernergebnis"):
        assert private not in page


def test_verify_form_needs_number_and_code(browser, certificate):
    ok = browser.get(f"/verify?number={certificate.number.lower()}&code={certificate.code}")
    assert ok.status_code == 302 and ok.location.endswith(f"/verify/{certificate.code}")
    assert browser.get(f"/verify?number=KK-2027-99999&code={certificate.code}").status_code == 404
    assert browser.get("/verify/nichtvorhanden123").status_code == 404


def test_verify_page_shows_revocation_date_and_expiry(browser, certificate, db, make, app):
    certificate.expires_on = certificate.issued_at.date() - timedelta(days=1)
    db.session.commit()
    assert "Abgelaufen am" in browser.get(f"/verify/{certificate.code}").get_data(as_text=True)
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = certificate.issued_at
    certificate.revoke_reason = "Täuschung"
    db.session.commit()
    page = browser.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Widerrufen am" in page and "Täuschung" not in page


def test_learner_downloads_own_valid_certificate_only(browser, another_browser, certificate, graduate, make):
    browser.login(graduate.user)
    response = browser.get(f"/zertifikate/{certificate.id}.pdf")
    assert response.status_code == 200 and response.data == render_pdf(certificate)
    another_browser.login(make.user("learner"))
    assert another_browser.get(f"/zertifikate/{certificate.id}.pdf").status_code == 404
    assert browser.get("/zertifikate").status_code == 403
    assert browser.get(f"/zertifikate/{certificate.id}").status_code == 404


def test_trainer_of_the_cohort_sees_and_resends(browser, certificate, trainer, db):
    browser.login(trainer)
    page = browser.get("/zertifikate").get_data(as_text=True)
    assert certificate.number in page and "Jürgen Müßig-Özdemir" in page
    detail = browser.get(f"/zertifikate/{certificate.id}").get_data(as_text=True)
    assert "Per E-Mail erneut senden" in detail and "Zertifikat widerrufen" not in detail
    before = db.session.scalar(select(OutgoingMail.id).order_by(OutgoingMail.id.desc()).limit(1))
    assert browser.post(f"/zertifikate/{certificate.id}/senden").status_code == 302
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.id > before))
    assert mail.recipient == certificate.enrolment.user.email and mail.attachments == [{"kind": "certificate", "id": certificate.id}]
    assert browser.post(f"/zertifikate/{certificate.id}/widerrufen", {"revoke-reason": "x"}).status_code == 403
    assert browser.post(f"/zertifikate/{certificate.id}/neu-ausstellen", {"reissue-reason": "x", "reissue-name": "y"}).status_code == 403


def test_another_trainer_sees_nothing(browser, certificate, make):
    browser.login(make.user("trainer"))
    assert certificate.number not in browser.get("/zertifikate").get_data(as_text=True)
    assert browser.get(f"/zertifikate/{certificate.id}").status_code == 404
    assert browser.get(f"/zertifikate/{certificate.id}.pdf").status_code == 404
    assert browser.post(f"/zertifikate/{certificate.id}/senden").status_code == 404
    assert browser.get(f"/zertifikate/kohorte/{certificate.enrolment.cohort_id}.zip").status_code == 404


def test_admin_revokes_with_reason(browser, certificate, make, db):
    browser.login(make.user("admin"))
    browser.get(f"/zertifikate/{certificate.id}")
    refused = browser.post(f"/zertifikate/{certificate.id}/widerrufen", {"revoke-reason": ""})
    assert refused.status_code == 422 and 'id="revoke-reason-error"' in refused.get_data(as_text=True)
    assert browser.post(f"/zertifikate/{certificate.id}/widerrufen", {"revoke-reason": "Täuschung festgestellt"}).status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.REVOKED and certificate.revoke_reason == "Täuschung festgestellt"
    assert "widerrufen am" in browser.get(f"/zertifikate/{certificate.id}").get_data(as_text=True)
    assert "Widerrufen am" in browser.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_admin_reissues_after_a_name_change(browser, certificate, make, db):
    browser.login(make.user("admin"))
    page = browser.get(f"/zertifikate/{certificate.id}").get_data(as_text=True)
    assert 'value="Jürgen Müßig-Özdemir"' in page
    response = browser.post(f"/zertifikate/{certificate.id}/neu-ausstellen",
                            {"reissue-name": "Jürgen Özdemir", "reissue-reason": "Namensänderung"})
    assert response.status_code == 302
    new_id = int(re.search(r"/zertifikate/(\d+)$", response.location).group(1))
    new = db.session.get(Certificate, new_id)
    db.session.refresh(certificate)
    assert new.data["name"] == "Jürgen Özdemir" and new.version == 2
    assert certificate.status == CertificateStatus.SUPERSEDED
    assert "Ersetzt durch eine neuere Ausstellung" in browser.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Gültig" in browser.get(f"/verify/{new.code}").get_data(as_text=True)
    listing = browser.get("/zertifikate").get_data(as_text=True)
    assert new.number in listing and certificate.number not in listing
    assert certificate.number in browser.get("/zertifikate?alle=1").get_data(as_text=True)


def test_cohort_zip_holds_every_valid_certificate(browser, certificate, trainer, graduate, make, db):
    from tests.certificates.conftest import complete_course

    second = make.enrolment(cohort=graduate.cohort)
    complete_course(db, second)
    db.session.commit()
    browser.login(trainer)
    response = browser.get(f"/zertifikate/kohorte/{graduate.cohort_id}.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2 and f"{certificate.number}.pdf" in names
        assert archive.read(f"{certificate.number}.pdf") == render_pdf(certificate)


def test_navigation_entry_for_trainers(browser, trainer):
    browser.login(trainer)
    assert 'href="/zertifikate"' in browser.get("/lernstand").get_data(as_text=True)
