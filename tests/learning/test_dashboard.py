"""The dashboard answers: what is due, what feedback is new."""
from __future__ import annotations

from sqlalchemy import select

from app.assignments import services as assignments
from app.assignments.models import Decision
from app.catalogue.models import Assignment, Lesson, Module


def test_dashboard_lists_due_assignments_and_new_feedback(browser, make, db):
    trainer = make.user("trainer")
    enrolment = make.enrolment(cohort=make.cohort(trainers=[trainer]))
    browser.login(enrolment.user)
    page = browser.get("/lernstand").get_data(as_text=True)
    assert "Demnächst fällig" in page and "Reflexion" in page and "Neue Rückmeldungen" not in page

    assignment = db.session.scalar(select(Assignment).join(Module).where(Module.slug == "02-abschluss"))
    submission = assignments.get_or_create_submission(enrolment, assignment)
    assignments.save_draft(submission, "Unser Quartiersprojekt")
    version = assignments.hand_in(submission)
    assignments.grade_submission(submission, version, trainer, {"c1": 0}, Decision.REVISION_REQUESTED,
                                 "Bitte ein Beispiel ergänzen.", expected_lock=submission.lock_version)
    db.session.commit()
    page = browser.get("/lernstand").get_data(as_text=True)
    assert "Neue Rückmeldungen" in page
    assert "Überarbeitung erbeten" in page and "0 von 2 Punkten" in page
    due = page.split('id="faellig-titel"')[1].split("</section>")[0]
    assert assignment.title in due and "(Überarbeitung erbeten)" in due  # still due, with its submission's status
    version = assignments.hand_in(submission)
    assignments.grade_submission(submission, version, trainer, {"c1": 1}, Decision.PASSED, "Gut.", expected_lock=submission.lock_version)
    db.session.commit()
    page = browser.get("/lernstand").get_data(as_text=True)
    assert assignment.title not in (page.split('id="faellig-titel"')[1].split("</section>")[0] if 'id="faellig-titel"' in page else "")
    from flask import url_for

    with browser.client.application.test_request_context():
        link = url_for("assignments.assignment", course_slug=assignment.module.course.slug, module_slug="02-abschluss",
                       assignment_slug=assignment.slug)
    assert f'<a href="{link}">{assignment.title}</a>:' in page  # the feedback names the assignment and links to it


def count_queries(db, browser, url: str) -> int:
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    from app import jobs

    jobs.run_committed()  # the setup's own background work (its mails) runs now, not inside the page measured
    db.session.expire_all()  # the test shares one session with the app: start from the same cache state
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert browser.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_dashboard_queries_do_not_grow_with_enrolments_and_gradings(browser, make, db):
    learner = make.user("learner")
    trainer = make.user("trainer")
    assignment = db.session.scalar(select(Assignment).join(Module).where(Module.slug == "02-abschluss"))

    def graded_enrolment():
        enrolment = make.enrolment(user=learner, cohort=make.cohort(trainers=[trainer]))
        submission = assignments.get_or_create_submission(enrolment, assignment)
        assignments.save_draft(submission, "Text")
        version = assignments.hand_in(submission)
        assignments.grade_submission(submission, version, trainer, {"c1": 1}, Decision.PASSED, "Gut.", expected_lock=submission.lock_version)
        db.session.commit()

    graded_enrolment()
    browser.login(learner)
    browser.get("/lernstand")
    one = count_queries(db, browser, "/lernstand")
    assert one <= 8  # issue 17: user, enrolments (+ cohort, course, schedule, certificate), next lessons, sessions, due, feedback
    for _ in range(3):
        graded_enrolment()
    assert count_queries(db, browser, "/lernstand") == one


def test_lesson_page_needs_at_most_five_statements(browser, make, db):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    url = "/kurse/kurz-kurs/01-grundlagen/die-charta"
    browser.get(url)
    # user, course with modules and lessons, enrolment with cohort and schedule, progress, lesson text
    assert count_queries(db, browser, url) <= 5


def test_the_next_lesson_is_the_first_not_done_in_course_order(browser, make, db):
    """Found in the outline from the lessons done, which come with the enrolments (no statement of
    its own): done lessons are skipped wherever they are, an archived lesson is never next."""
    from app.learning import outline

    enrolment = make.enrolment()
    browser.login(enrolment.user)
    first = "/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city"
    charta = "/kurse/kurz-kurs/01-grundlagen/die-charta"
    assert f'<a href="{first}">' in browser.get("/lernstand").get_data(as_text=True)
    browser.get(charta)
    assert browser.post(charta + "/erledigt").status_code == 302  # the second lesson first
    assert f'<a href="{first}">' in browser.get("/lernstand").get_data(as_text=True)
    assert browser.post(first + "/erledigt").status_code == 302
    page = browser.get("/lernstand").get_data(as_text=True)
    assert f'<a href="{first}">' not in page and f'<a href="{charta}">' not in page
    assert '<a href="/kurse/kurz-kurs/02-abschluss/rueckblick">' in page  # the next module's

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "rueckblick"))
    lesson.archived_at = db.func.now()
    db.session.flush()
    outline.clear()  # content rewritten by hand: an import would give the course a new version
    page = browser.get("/lernstand").get_data(as_text=True)
    assert "Als Nächstes:" not in page
