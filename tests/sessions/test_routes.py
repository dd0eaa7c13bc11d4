"""Session pages: planning, the dashboard, and who sees what."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.sessions.models import LiveSession
from tests.sessions.conftest import add_session, past_session


def test_trainer_plans_a_session_in_german_time(db, make, browser, cohort, trainer, module):
    db.session.commit()
    browser.login(trainer)
    assert browser.get(f"/kohorten/{cohort.id}/termine/neu").status_code == 200
    response = browser.post(f"/kohorten/{cohort.id}/termine/neu", {
        "title": "Auftakt", "day": "2027-07-01", "start_time": "09:00", "duration_minutes": "240", "mode": "online",
        "location": "https://konferenz.example.org/auftakt", "module_id": str(module.id),
        "materials": "Lesen Sie vorab <script>alert(1)</script> die **Charta**.",
    })
    assert response.status_code == 302
    session = db.session.scalar(select(LiveSession).where(LiveSession.title == "Auftakt"))
    assert session.starts_at.isoformat() == "2027-07-01T07:00:00+00:00"  # CEST
    assert session.module_id == module.id
    page = browser.get(f"/termine/{session.id}").get_data(as_text=True)
    assert "01.07.2027, 09:00–13:00" in page
    assert "<strong>Charta</strong>" in page and "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_online_session_needs_a_link(db, browser, cohort, trainer):
    db.session.commit()
    browser.login(trainer)
    browser.get(f"/kohorten/{cohort.id}/termine/neu")
    response = browser.post(f"/kohorten/{cohort.id}/termine/neu", {
        "title": "Ohne Link", "day": "2027-07-01", "start_time": "09:00", "duration_minutes": "240", "mode": "online",
        "location": "irgendwo", "module_id": "0",
    })
    assert response.status_code == 200
    assert "beginnend mit https://" in response.get_data(as_text=True)
    assert db.session.scalar(select(LiveSession).where(LiveSession.title == "Ohne Link")) is None


def test_dashboard_lists_upcoming_sessions_only(db, make, browser, cohort):
    enrolment = make.enrolment(cohort=cohort)
    add_session(cohort, starts_at=utcnow() + timedelta(days=2), title="Workshop Zukunft")
    past_session(cohort, days_ago=3, title="Workshop Vergangenheit")
    add_session(make.cohort(), starts_at=utcnow() + timedelta(days=1), title="Fremder Workshop")
    db.session.commit()
    browser.login(enrolment.user)
    page = browser.get("/lernstand").get_data(as_text=True)
    assert "Nächste Termine" in page and "Workshop Zukunft" in page
    assert "Workshop Vergangenheit" not in page and "Fremder Workshop" not in page


def test_sessions_are_hidden_from_other_cohorts_and_withdrawn_learners(db, make, login_as, cohort):
    from app.cohorts.models import EnrolmentStatus

    session = add_session(cohort)
    outsider = make.enrolment()
    withdrawn = make.enrolment(cohort=cohort)
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    agency = make.user("agency")
    db.session.commit()
    for user in (outsider.user, withdrawn.user, agency, make.user("trainer")):
        browser = login_as(user)
        for url in (f"/termine/{session.id}", f"/termine/{session.id}/termin.ics", f"/kohorten/{cohort.id}/termine",
                    f"/kohorten/{cohort.id}/termine.ics", f"/termine/{session.id}/bearbeiten"):
            assert browser.get(url).status_code == 404, (user, url)


def test_learner_cannot_plan_or_delete(db, make, browser, cohort):
    enrolment = make.enrolment(cohort=cohort)
    session = add_session(cohort)
    db.session.commit()
    browser.login(enrolment.user)
    assert browser.get(f"/termine/{session.id}").status_code == 200
    assert browser.get(f"/kohorten/{cohort.id}/termine/neu").status_code == 404
    assert browser.post(f"/termine/{session.id}/loeschen").status_code == 404
    assert db.session.get(LiveSession, session.id) is not None


def test_session_with_attendance_cannot_be_deleted(db, make, browser, cohort, trainer):
    from app.sessions import services
    from app.sessions.models import AttendanceStatus

    enrolment = make.enrolment(cohort=cohort)
    session = past_session(cohort, days_ago=1)
    services.record_attendance(session, {enrolment.id: AttendanceStatus.PRESENT}, trainer)
    empty = add_session(cohort, title="Abgesagt")
    db.session.commit()
    browser.login(trainer)
    browser.post(f"/termine/{session.id}/loeschen")
    assert db.session.get(LiveSession, session.id) is not None
    assert browser.post(f"/termine/{empty.id}/loeschen").status_code == 302
    db.session.expire_all()
    assert db.session.get(LiveSession, empty.id) is None
