"""Approving completions on the cohort page, for courses whose certificate needs a trainer's
approval: who sees the form and who may post it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate, CompletionApproval
from app.mail.models import OutgoingMail
from tests.certificates.conftest import ask_for_approval, complete_course, complete_first_module


@pytest.fixture()
def finished(db, make, cohort):
    """A learner of the trainer's cohort who has done everything but the approval."""
    ask_for_approval(db, cohort.course)
    enrolment = make.enrolment(user=make.user("learner", name="Lea Lernt"), cohort=cohort)
    complete_course(db, enrolment)
    db.session.flush()
    return enrolment


def approve_url(enrolment, cohort_id: int | None = None) -> str:
    return f"/kohorten/{cohort_id or enrolment.cohort_id}/einschreibungen/{enrolment.id}/freigeben"


def certificates_of(db, enrolment) -> list[Certificate]:
    return db.session.scalars(select(Certificate).where(Certificate.enrolment_id == enrolment.id)).all()


def test_trainer_approves_on_the_cohort_page_and_the_certificate_is_issued(db, trainer_browser, finished):
    page = trainer_browser.get(f"/kohorten/{finished.cohort_id}").get_data(as_text=True)
    assert "Freigabe der Zertifikate" in page and "Lea Lernt" in page and approve_url(finished) in page
    response = trainer_browser.post(approve_url(finished), {"note": "Abschlussgespräch geführt."})
    assert response.status_code == 302 and response.location.endswith(f"/kohorten/{finished.cohort_id}")
    [certificate] = certificates_of(db, finished)
    page = trainer_browser.get(f"/kohorten/{finished.cohort_id}").get_data(as_text=True)
    assert "Abschluss von Lea Lernt freigegeben" in page and "Zurzeit wartet niemand auf eine Freigabe" in page
    detail = trainer_browser.get(f"/zertifikate/{certificate.id}").get_data(as_text=True)
    assert "Abschluss freigegeben" in detail and "von Tom Trainer" in detail and "Abschlussgespräch geführt." in detail
    [mail] = db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == finished.user.email)).all()
    assert mail.attachments == [{"kind": "certificate", "id": certificate.id}]


def test_approving_twice_says_so_and_issues_one_certificate(db, trainer_browser, finished):
    trainer_browser.post(approve_url(finished))
    assert trainer_browser.post(approve_url(finished)).status_code == 302
    assert "bereits freigegeben" in trainer_browser.get(f"/kohorten/{finished.cohort_id}").get_data(as_text=True)
    assert len(certificates_of(db, finished)) == 1


def test_the_page_explains_the_rule_and_offers_nothing_before_the_learner_is_done(db, trainer_browser, make, cohort):
    ask_for_approval(db, cohort.course)
    enrolment = make.enrolment(user=make.user("learner", name="Noch Nichtfertig"), cohort=cohort)
    complete_first_module(db, enrolment)
    page = trainer_browser.get(f"/kohorten/{cohort.id}").get_data(as_text=True)
    assert "sobald die Person alle übrigen Anforderungen erfüllt hat" in page
    assert "/freigeben" not in page and "Zurzeit wartet niemand auf eine Freigabe" in page
    trainer_browser.post(approve_url(enrolment))  # a hand-made request is refused by the service
    assert "Noch nicht alle Anforderungen" in trainer_browser.get(f"/kohorten/{cohort.id}").get_data(as_text=True)
    assert db.session.get(CompletionApproval, enrolment.id) is None


def test_a_course_without_approval_has_no_approval_section(trainer_browser, cohort, make):
    make.enrolment(cohort=cohort)
    assert "Freigabe der Zertifikate" not in trainer_browser.get(f"/kohorten/{cohort.id}").get_data(as_text=True)


def test_a_trainer_of_another_cohort_cannot_approve(db, another_browser, make, finished):
    another_browser.login(make.user("trainer"))
    assert another_browser.post(approve_url(finished)).status_code == 404
    assert db.session.get(CompletionApproval, finished.id) is None and certificates_of(db, finished) == []


def test_the_enrolment_must_belong_to_the_cohort_in_the_address(db, trainer_browser, make, trainer, finished):
    own_other_cohort = make.cohort(course=finished.cohort.course, trainers=[trainer])
    assert trainer_browser.post(approve_url(finished, own_other_cohort.id)).status_code == 404
    assert db.session.get(CompletionApproval, finished.id) is None


def test_an_admin_may_approve(db, another_browser, make, finished):
    another_browser.login(make.user("admin"))
    assert another_browser.post(approve_url(finished)).status_code == 302
    assert db.session.get(CompletionApproval, finished.id) is not None and len(certificates_of(db, finished)) == 1


def test_approval_without_csrf_token_is_refused(db, trainer_browser, finished):
    assert trainer_browser.post(approve_url(finished), csrf=False).status_code == 400
    assert db.session.get(CompletionApproval, finished.id) is None
