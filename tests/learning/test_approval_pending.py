"""A learner whose certificate waits only for the trainer's approval is told so on the dashboard
and the course page; before that, and once the certificate is there, the note is gone."""
from __future__ import annotations

import pytest

from app.certificates.services import approve_completion
from tests.certificates.conftest import ask_for_approval, complete_course, complete_first_module

PENDING = "Ihr Zertifikat wird ausgestellt, sobald Ihre Trainerin oder Ihr Trainer den Abschluss freigegeben hat"


@pytest.fixture()
def enrolment(db, make):
    trainer = make.user("trainer")
    cohort = make.cohort(trainers=[trainer])
    ask_for_approval(db, cohort.course)
    return make.enrolment(cohort=cohort)


def pages(browser) -> list[str]:
    return [browser.get(url).get_data(as_text=True) for url in ("/lernstand", "/kurse/kurz-kurs")]


def test_the_learner_is_told_that_the_certificate_waits_for_the_approval(db, app, browser, enrolment):
    browser.login(enrolment.user)
    complete_first_module(db, enrolment)
    db.session.commit()
    assert not any(PENDING in page for page in pages(browser))  # not yet: other requirements are open

    complete_course(db, enrolment)
    db.session.commit()
    assert all(PENDING in page for page in pages(browser))

    with app.test_request_context():
        certificate = approve_completion(enrolment, enrolment.cohort.trainers[0])
    db.session.commit()
    dashboard, course = pages(browser)
    assert PENDING not in dashboard and certificate.number in dashboard
    assert PENDING not in course


def test_courses_without_approval_never_show_the_note(db, browser, make):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    complete_course(db, enrolment)
    db.session.commit()
    assert not any(PENDING in page for page in pages(browser))
