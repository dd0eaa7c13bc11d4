"""Attendance: the pure arithmetic, the one-screen recording for a whole cohort, the matrix."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import utcnow
from app.errors import DomainError
from app.sessions import attendance, queries, services
from app.sessions.models import AttendanceStatus
from tests.sessions.conftest import add_session, past_session

P, E, A = attendance.PRESENT, attendance.EXCUSED, attendance.ABSENT


def test_percentage_counts_present_among_held_sessions():
    summary = attendance.summarise({1, 2, 3, 4, 5}, {1: P, 2: P, 3: P, 4: P, 5: E, 99: P})
    assert (summary.held, summary.present, summary.excused, summary.absent, summary.unrecorded) == (5, 4, 1, 0, 0)
    assert summary.percent == 80
    assert summary.meets(80) and not summary.meets(81)


def test_excused_and_unrecorded_sessions_do_not_count_as_attended():
    summary = attendance.summarise({1, 2, 3}, {1: P, 2: E})
    assert summary.unrecorded == 1
    assert summary.percent == 33  # rounded down: never shows a minimum as reached when it is not
    assert not summary.meets(34) and summary.meets(33)


def test_two_of_three_is_not_rounded_up_to_a_minimum_of_67():
    summary = attendance.summarise({1, 2, 3}, {1: P, 2: P, 3: A})
    assert summary.percent == 66 and not summary.meets(67)


def test_without_held_sessions_there_is_nothing_to_miss():
    summary = attendance.summarise(set(), {})
    assert summary.percent is None and summary.meets(80)


def test_minimum_from_the_course_rules():
    assert attendance.minimum_attendance({"min_attendance": 80}) == 80.0
    assert attendance.minimum_attendance({"quizzes": "all"}) is None
    assert attendance.minimum_attendance(None) is None


def test_trainer_records_the_whole_cohort_on_one_screen(db, make, browser, cohort, trainer):
    ada = make.enrolment(user=make.user("learner", name="Ada Adler"), cohort=cohort)
    ben = make.enrolment(user=make.user("learner", name="Ben Berg"), cohort=cohort)
    cem = make.enrolment(user=make.user("learner", name="Cem Cakir"), cohort=cohort)
    session = past_session(cohort, days_ago=1)
    db.session.commit()
    browser.login(trainer)
    page = browser.get(f"/termine/{session.id}/anwesenheit").get_data(as_text=True)
    assert page.count("<fieldset") == 3 and "<legend>Ada Adler" in page
    assert f'<label for="e{ada.id}-0">anwesend</label>' in page
    response = browser.post(f"/termine/{session.id}/anwesenheit", {f"e{ada.id}": "present", f"e{ben.id}": "excused"})
    assert response.status_code == 302
    assert queries.attendance_statuses(session) == {ada.id: "present", ben.id: "excused"}
    # "all not yet recorded present" leaves recorded ones as they are
    browser.get(f"/termine/{session.id}/anwesenheit")
    browser.post(f"/termine/{session.id}/anwesenheit", {f"e{ben.id}": "excused", "all_present": "1"})
    assert queries.attendance_statuses(session) == {ada.id: "present", ben.id: "excused", cem.id: "present"}
    page = browser.get(f"/termine/{session.id}/anwesenheit").get_data(as_text=True)
    assert f'id="e{ben.id}-1" name="e{ben.id}" type="radio" value="excused" checked' in page or \
        f'checked id="e{ben.id}-1"' in page


def test_attendance_of_a_future_session_is_refused(app, db, make, cohort, trainer):
    enrolment = make.enrolment(cohort=cohort)
    session = add_session(cohort, starts_at=utcnow() + timedelta(hours=2))
    with app.test_request_context(), pytest.raises(DomainError):
        services.record_attendance(session, {enrolment.id: AttendanceStatus.PRESENT}, trainer)


def test_learners_of_other_cohorts_cannot_be_recorded(app, db, make, cohort, trainer):
    stranger = make.enrolment()
    session = past_session(cohort, days_ago=1)
    with app.test_request_context(), pytest.raises(DomainError):
        services.record_attendance(session, {stranger.id: AttendanceStatus.PRESENT}, trainer)


def test_only_the_cohorts_trainers_record_attendance(db, make, login_as, cohort):
    learner = make.enrolment(cohort=cohort)
    other_trainer = make.user("trainer")
    session = past_session(cohort, days_ago=1)
    db.session.commit()
    for user in (learner.user, other_trainer):
        browser = login_as(user)
        assert browser.get(f"/termine/{session.id}/anwesenheit").status_code == 404
        assert browser.post(f"/termine/{session.id}/anwesenheit", {f"e{learner.id}": "present"}).status_code == 404
    assert queries.attendance_statuses(session) == {}


def test_progress_matrix_shows_attendance_and_the_minimum(db, make, browser, cohort, trainer):
    cohort.course.completion = {**cohort.course.completion, "min_attendance": 80}
    good = make.enrolment(user=make.user("learner", name="Gisela Gut"), cohort=cohort)
    poor = make.enrolment(user=make.user("learner", name="Paul Pause"), cohort=cohort)
    sessions = [past_session(cohort, days_ago=d, title=f"W{d}") for d in (5, 4, 3, 2, 1)]
    for number, session in enumerate(sessions):
        services.record_attendance(session, {
            good.id: AttendanceStatus.PRESENT if number < 4 else AttendanceStatus.EXCUSED,
            poor.id: AttendanceStatus.PRESENT if number < 3 else AttendanceStatus.ABSENT,
        }, trainer)
    summaries = queries.cohort_attendance(cohort, utcnow())
    assert summaries[good.id].percent == 80 and summaries[poor.id].percent == 60
    db.session.commit()
    browser.login(trainer)
    page = browser.get(f"/kohorten/{cohort.id}/matrix").get_data(as_text=True)
    assert "(mind. 80 %)" in page
    assert "4 von 5, 1 entschuldigt" in page and "3 von 5" in page
    assert page.count("unter Mindestanwesenheit") == 1
