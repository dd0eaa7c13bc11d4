"""Trainers see and change only their own cohorts; admins all; learners none."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cohorts.models import Cohort, EnrolmentStatus


@pytest.fixture()
def foreign(make):
    """Another trainer's cohort with a learner in it."""
    other_trainer = make.user("trainer")
    cohort = make.cohort(trainers=[other_trainer], name="Sachsen 2027-2")
    return make.enrolment(cohort=cohort)


def test_trainer_list_shows_only_own_cohorts(trainer_browser, cohort, foreign):
    page = trainer_browser.get("/kohorten").get_data(as_text=True)
    assert "Brandenburg 2027-1" in page and "Sachsen 2027-2" not in page
    assert "Neue Kohorte anlegen" not in page


@pytest.mark.parametrize("path", [
    "/kohorten/{c}", "/kohorten/{c}/bearbeiten", "/kohorten/{c}/zeitplan", "/kohorten/{c}/einladen",
    "/kohorten/{c}/matrix", "/kohorten/{c}/matrix.csv", "/kohorten/{c}/matrix.xlsx", "/kohorten/{c}/erinnerung",
    "/kohorten/{c}/einschreibungen/{e}/verschieben",
])
def test_other_trainers_cohort_is_404(trainer_browser, cohort, foreign, path):
    assert trainer_browser.get(path.format(c=foreign.cohort_id, e=foreign.id)).status_code == 404


@pytest.mark.parametrize("action", ["zurueckziehen", "reaktivieren", "erneut-einladen"])
def test_other_trainers_enrolments_cannot_be_changed(trainer_browser, cohort, foreign, action, db):
    response = trainer_browser.post(f"/kohorten/{foreign.cohort_id}/einschreibungen/{foreign.id}/{action}")
    assert response.status_code == 404
    # nor through the own cohort's URL
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einschreibungen/{foreign.id}/{action}")
    assert response.status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == EnrolmentStatus.ACTIVE


def test_cannot_move_own_learner_into_a_foreign_cohort(trainer_browser, make, cohort, foreign, db):
    mine = make.enrolment(cohort=cohort)
    trainer_browser.get(f"/kohorten/{cohort.id}/einschreibungen/{mine.id}/verschieben")
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einschreibungen/{mine.id}/verschieben", {"target_id": foreign.cohort_id})
    assert response.status_code == 200  # not a valid choice
    db.session.refresh(mine)
    assert mine.cohort_id == cohort.id


def test_trainer_cannot_create_cohorts_or_change_trainers(trainer_browser, cohort, make, db):
    assert trainer_browser.get("/kohorten/neu").status_code == 403
    intruder = make.user("trainer")
    trainer_browser.get(f"/kohorten/{cohort.id}/bearbeiten")
    response = trainer_browser.post(f"/kohorten/{cohort.id}/bearbeiten", {
        "name": "Neuer Name", "land": "12", "starts_on": "2027-02-01", "seats": "20", "trainer_ids": [intruder.id],
    })
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert cohort.name == "Neuer Name" and cohort.seats == 20
    assert [t.id for t in cohort.trainers] != [intruder.id] and intruder not in cohort.trainers


@pytest.mark.parametrize("role, status", [("learner", 403), ("agency", 403)])
def test_learners_and_agency_get_403(browser, make, cohort, role, status):
    browser.login(make.user(role))
    assert browser.get("/kohorten").status_code == status
    assert browser.get(f"/kohorten/{cohort.id}/matrix").status_code == status


def test_anonymous_is_sent_to_login(client, cohort):
    response = client.get(f"/kohorten/{cohort.id}")
    assert response.status_code == 302 and "/anmelden" in response.location


def test_admin_creates_cohort_and_assigns_trainers(browser, make, db, trainer):
    browser.login(make.user("admin"))
    course = make.course()
    browser.get("/kohorten/neu")
    response = browser.post("/kohorten/neu", {
        "name": "Thüringen 2027-1", "course_id": course.id, "land": "16", "district_ags": "16051",
        "starts_on": "2027-03-01", "ends_on": "2027-06-30", "seats": "25", "trainer_ids": [trainer.id],
    })
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Thüringen 2027-1"))
    assert cohort.district_ags == "16051" and [t.id for t in cohort.trainers] == [trainer.id]
    # a district outside the Land is refused
    browser.get("/kohorten/neu")
    page = browser.post("/kohorten/neu", {
        "name": "Falsch", "course_id": course.id, "land": "16", "district_ags": "12054", "starts_on": "2027-03-01", "seats": "25",
    }).get_data(as_text=True)
    assert "nicht im gewählten Land" in page
    assert browser.get(f"/kohorten/{cohort.id}").status_code == 200


def test_every_trainer_page_renders(trainer_browser, make, cohort, db):
    invited = make.enrolment(cohort=cohort)
    invited.status = EnrolmentStatus.INVITED
    withdrawn = make.enrolment(cohort=cohort)
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    withdrawn.user.district_ags, withdrawn.user.municipality = "12054", "Potsdam"
    db.session.flush()
    for path in ("/kohorten", f"/kohorten/{cohort.id}", f"/kohorten/{cohort.id}/bearbeiten", f"/kohorten/{cohort.id}/zeitplan",
                 f"/kohorten/{cohort.id}/einladen", f"/kohorten/{cohort.id}/matrix", f"/kohorten/{cohort.id}/erinnerung",
                 f"/kohorten/{cohort.id}/einschreibungen/{invited.id}/verschieben"):
        response = trainer_browser.get(path)
        assert response.status_code == 200, path
    page = trainer_browser.get(f"/kohorten/{cohort.id}").get_data(as_text=True)
    assert "Einladung erneut senden" in page and "Reaktivieren" in page and "Potsdam, Stadt" in page and "Destatis" in page


def test_admin_edits_any_cohort_and_its_trainers(browser, make, cohort, trainer, db):
    browser.login(make.user("admin"))
    second = make.user("trainer")
    browser.get(f"/kohorten/{cohort.id}/bearbeiten")
    response = browser.post(f"/kohorten/{cohort.id}/bearbeiten", {
        "name": cohort.name, "land": "12", "district_ags": "12054", "starts_on": "2027-01-11", "seats": "30",
        "trainer_ids": [trainer.id, second.id],
    })
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert {t.id for t in cohort.trainers} == {trainer.id, second.id} and cohort.district_ags == "12054"


def test_the_matrix_row_check_is_the_cohort_check(app, db, make, trainer, cohort, foreign):
    """The progress matrix reads its cohort in its one statement with the access rule in SQL
    (queries.matrix_page_for, issue 17): it lets through exactly whom cohort_or_404 lets through,
    and for anyone else reads nothing of the cohort — no columns, learners or attendance."""
    from werkzeug.exceptions import NotFound

    from app.cohorts.access import cohort_or_404
    from app.cohorts.queries import matrix_page_for
    from app.db import utcnow

    co_trainer, admin, learner = make.user("trainer"), make.user("admin"), make.user("learner")
    cohort.trainers.append(co_trainer)
    shared = make.cohort(trainers=[trainer, make.user("trainer")], name="Geteilt")
    db.session.flush()
    for user in (trainer, co_trainer, admin, learner):
        for cohort_id in (cohort.id, foreign.cohort_id, shared.id, 999_999):
            def outcome(check):
                try:
                    return check(user, cohort_id).id
                except NotFound:
                    return None
            expected = outcome(cohort_or_404)
            try:
                page = matrix_page_for(user, cohort_id, utcnow())
            except NotFound:
                assert expected is None and user is learner
                continue
            assert (page.cohort.id if page.cohort else None) == expected, (user.role, cohort_id)
            if page.cohort is None:
                assert (page.columns, page.rows, page.attendance) == ([], [], {})
    with app.test_request_context():
        row = matrix_page_for(trainer, cohort.id, utcnow()).cohort
    assert tuple(row) == (cohort.id, cohort.name, cohort.course_id, cohort.course.completion)


def test_admins_see_every_cohorts_matrix(make, browser, foreign):
    browser.login(make.user("admin"))
    assert browser.get(f"/kohorten/{foreign.cohort_id}/matrix").status_code == 200
    assert browser.get("/kohorten/999999/matrix").status_code == 404
