"""The walking skeleton: lessons, quiz, completion, certificate, verification."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.catalogue.models import Lesson, Module, Quiz
from app.certificates.models import Certificate
from app.db import utcnow
from app.progress.models import ItemType, ProgressItem
from app.quizzes.models import QuizAttempt
from app.quizzes.scoring import QUESTION_TYPES


@pytest.fixture()
def learner(make, browser):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    return enrolment


def quiz_of(db, module_slug="01-grundlagen") -> Quiz:
    return db.session.scalar(select(Quiz).join(Module).where(Module.slug == module_slug, Quiz.archived_at.is_(None)))


def correct_form(snapshot: list[dict]) -> dict:
    """The form a learner who knows every answer would send."""
    form: dict = {}
    for q in snapshot:
        name = f"q-{q['id']}"
        if q["type"] in ("single", "truefalse"):
            form[name] = next(o["id"] for o in q["options"] if o["correct"])
        elif q["type"] == "multiple":
            form[name] = [o["id"] for o in q["options"] if o["correct"]]
        elif q["type"] == "short":
            form[name] = q["accepted"][0]
        elif q["type"] == "numeric":
            form[name] = str(q["min"])
        elif q["type"] == "matching":
            form.update({f"{name}-{p['id']}": p["id"] for p in q["pairs"]})
        elif q["type"] == "ordering":
            form.update({f"{name}-{item['id']}": str(n) for n, item in enumerate(q["items"], start=1)})
    return form


def start_attempt(browser, db) -> QuizAttempt:
    browser.get("/kurse/kurz-kurs/01-grundlagen/quiz")
    response = browser.post("/kurse/kurz-kurs/01-grundlagen/quiz/start")
    assert response.status_code == 302
    attempt_id = int(re.search(r"/versuche/(\d+)", response.location).group(1))
    browser.get(f"/versuche/{attempt_id}")
    return db.session.get(QuizAttempt, attempt_id)


def test_dashboard_shows_course_progress_and_next_lesson(browser, learner):
    page = browser.get("/lernstand").get_data(as_text=True)
    assert "Kurzkurs Smart City" in page
    assert "Was ist eine Smart City?" in page  # next lesson
    assert 'value="0"' in page


def test_lesson_page_renders_stored_html_with_toc_and_pager(browser, learner):
    page = browser.get("/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city").get_data(as_text=True)
    assert 'class="callout callout-praxis"' in page
    assert '<a href="#lernziele">Lernziele</a>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert 'rel="next" href="/kurse/kurz-kurs/01-grundlagen/die-charta"' in page


def test_marking_a_lesson_done_stores_progress_once(browser, learner, db):
    url = "/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city/erledigt"
    browser.get("/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city")
    assert browser.post(url).status_code == 302
    assert browser.post(url).status_code == 302  # double click
    rows = db.session.scalars(select(ProgressItem).where(ProgressItem.enrolment_id == learner.id)).all()
    assert [(r.item_type, r.completed_at is not None) for r in rows] == [(ItemType.LESSON, True)]
    db.session.refresh(learner)
    assert (learner.items_done, learner.items_total) == (1, 4)  # 3 lessons + 1 quiz; assignments not required
    # the lesson page reads the progress with the enrolment (app.learning.access): this one is done, the next not
    assert "Diese Lektion ist erledigt." in browser.get("/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city").get_data(as_text=True)
    assert "Diese Lektion ist erledigt." not in browser.get("/kurse/kurz-kurs/01-grundlagen/die-charta").get_data(as_text=True)


def test_locked_module_says_why(browser, learner):
    page = browser.get("/kurse/kurz-kurs/02-abschluss").get_data(as_text=True)
    assert "sobald Sie diese Module abgeschlossen haben: Grundlagen" in page
    assert browser.get("/kurse/kurz-kurs/02-abschluss/rueckblick").status_code == 302
    browser.get("/kurse/kurz-kurs/02-abschluss")
    assert browser.post("/kurse/kurz-kurs/02-abschluss/rueckblick/erledigt").status_code == 403


def test_attempt_page_never_contains_the_answers(browser, learner, db):
    attempt = start_attempt(browser, db)
    page = browser.get(f"/versuche/{attempt.id}").get_data(as_text=True)
    assert "correct" not in page
    assert "öffentliche Stelle" not in page  # accepted short answer
    assert "Zu früh." not in page  # option feedback
    assert "Art. 33 DSGVO: 72 Stunden" not in page  # explanation
    assert 'name="q-meldefrist"' in page


def test_the_quiz_overview_counts_the_questions(browser, learner, db):
    from app.catalogue.models import Quiz

    quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == "01-grundlagen"))
    page = browser.get("/kurse/kurz-kurs/01-grundlagen/quiz").get_data(as_text=True)
    assert f"<li>{len(quiz.questions)} Fragen</li>" in page and len(quiz.questions) > 1


def test_the_attempt_page_shows_the_questions_of_its_own_snapshot(browser, learner, db):
    """The page keeps parsed snapshots by their text (app.quizzes.routes._questions), not by
    attempt: a snapshot with other content is shown as it is, never one parsed before."""
    import copy

    attempt = start_attempt(browser, db)
    first = attempt.snapshot[0]
    assert first["title_html"] in browser.get(f"/versuche/{attempt.id}").get_data(as_text=True)
    changed = copy.deepcopy(attempt.snapshot)
    changed[0]["title_html"] = "Eine andere Frage"
    attempt.snapshot = changed
    db.session.commit()
    page = browser.get(f"/versuche/{attempt.id}").get_data(as_text=True)
    assert "Eine andere Frage" in page and first["title_html"] not in page


def test_answers_are_saved_and_the_attempt_resumes(browser, learner, db):
    attempt = start_attempt(browser, db)
    browser.post(f"/versuche/{attempt.id}", {"action": "save", "q-meldefrist": "72"})
    browser2_start = browser.post("/kurse/kurz-kurs/01-grundlagen/quiz/start")
    assert browser2_start.location.endswith(f"/versuche/{attempt.id}")  # resumes, no new attempt
    page = browser.get(f"/versuche/{attempt.id}").get_data(as_text=True)
    assert 'name="q-meldefrist" value="72"' in page


def test_failing_then_passing_completes_module_and_issues_one_certificate(browser, learner, db, app):
    for slug in ("was-ist-eine-smart-city", "die-charta"):
        browser.get(f"/kurse/kurz-kurs/01-grundlagen/{slug}")
        browser.post(f"/kurse/kurz-kurs/01-grundlagen/{slug}/erledigt")
    attempt = start_attempt(browser, db)
    response = browser.post(f"/versuche/{attempt.id}", {"action": "submit", "q-meldefrist": "72"})
    assert response.location.endswith(f"/versuche/{attempt.id}/auswertung")
    review = browser.get(response.location).get_data(as_text=True)
    assert "Nicht bestanden" in review and "Art. 33 DSGVO: 72 Stunden." in review

    second = start_attempt(browser, db)
    assert second.number == 2
    form = {"action": "submit", **correct_form(second.snapshot)}
    browser.post(f"/versuche/{second.id}", form)
    browser.post(f"/versuche/{second.id}", form)  # double submit is harmless
    db.session.refresh(second)
    assert second.passed and second.score == second.max_score
    assert "Bestanden." in browser.get(f"/versuche/{second.id}/auswertung").get_data(as_text=True)
    done = {(r.item_type, r.item_id) for r in db.session.scalars(select(ProgressItem).where(ProgressItem.enrolment_id == learner.id))}
    module = db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))
    assert (ItemType.MODULE, module.id) in done

    assert browser.get("/kurse/kurz-kurs/02-abschluss/rueckblick").status_code == 200  # the finished module unlocks the next
    browser.post("/kurse/kurz-kurs/02-abschluss/rueckblick/erledigt")
    browser.post("/kurse/kurz-kurs/02-abschluss/rueckblick/erledigt")
    certificates = db.session.scalars(select(Certificate).where(Certificate.enrolment_id == learner.id)).all()
    assert len(certificates) == 1
    certificate = certificates[0]
    assert re.fullmatch(r"KK-\d{4}-\d{5}", certificate.number)
    assert certificate.data["name"] == learner.user.name
    assert [m["title"] for m in certificate.data["modules"]] == ["Grundlagen", "Abschluss"]

    dashboard = browser.get("/lernstand").get_data(as_text=True)
    assert f"/zertifikate/{certificate.id}.pdf" in dashboard
    pdf = browser.get(f"/zertifikate/{certificate.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    verify = browser.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Gültig" in verify and learner.user.name in verify and "Kurzkurs Smart City" in verify


def test_time_limit_is_enforced_on_the_server(browser, learner, db):
    quiz = quiz_of(db)
    quiz.settings = {**quiz.settings, "time_limit_minutes": 10}
    db.session.commit()
    attempt = start_attempt(browser, db)
    browser.post(f"/versuche/{attempt.id}", {"action": "save", **correct_form(attempt.snapshot)})
    attempt.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = browser.post(f"/versuche/{attempt.id}", {"action": "submit", "q-meldefrist": "1"})
    db.session.refresh(attempt)
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.passed  # what was saved before the deadline counts, the late change does not
    assert response.status_code == 302


def test_another_learner_cannot_open_my_attempt(browser, another_browser, learner, db, make):
    attempt = start_attempt(browser, db)
    another_browser.login(make.enrolment().user)
    assert another_browser.get(f"/versuche/{attempt.id}").status_code == 404
    assert another_browser.get(f"/versuche/{attempt.id}/auswertung").status_code == 404


def test_not_enrolled_learner_is_refused(browser, make):
    browser.login(make.user("learner"))
    assert browser.get("/kurse/kurz-kurs").status_code == 403
    assert browser.get("/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city").status_code == 403


def test_lesson_page_query_count_does_not_grow_with_the_course(browser, learner, db, app):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for url in ("/lernstand", "/kurse/kurz-kurs", "/kurse/kurz-kurs/01-grundlagen", "/kurse/kurz-kurs/01-grundlagen/die-charta"):
            statements.clear()
            assert browser.get(url).status_code == 200
            assert len(statements) <= 20, (url, statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_trainer_of_the_cohort_sees_attempts_others_do_not(browser, another_browser, learner, db, make):
    attempt = start_attempt(browser, db)
    browser.post(f"/versuche/{attempt.id}", {"action": "submit", "q-meldefrist": "72"})
    trainer = make.user("trainer")
    learner.cohort.trainers.append(trainer)
    db.session.commit()
    another_browser.login(trainer)
    page = another_browser.get(f"/teilnahmen/{learner.id}/versuche").get_data(as_text=True)
    assert "Grundlagen" in page and f"/versuche/{attempt.id}/auswertung" in page
    assert another_browser.get(f"/versuche/{attempt.id}/auswertung").status_code == 200
    another_browser.post("/abmelden")
    another_browser.login(make.user("trainer"))  # trainer of no cohort of this learner
    assert another_browser.get(f"/teilnahmen/{learner.id}/versuche").status_code == 404
    assert another_browser.get(f"/versuche/{attempt.id}/auswertung").status_code == 404


def test_quiz_of_a_module_not_yet_released_cannot_be_started(browser, learner, db):
    learner.cohort.release_locks = True  # the factory's cohort starts on 2027-01-11, in the future
    db.session.commit()
    page = browser.get("/kurse/kurz-kurs/01-grundlagen/quiz").get_data(as_text=True)
    assert "Dieses Modul öffnet am 11.01.2027." in page
    assert browser.post("/kurse/kurz-kurs/01-grundlagen/quiz/start").status_code == 403


def test_lesson_of_a_module_not_yet_released_opens_with_the_trainers_date(browser, learner, db):
    """The lesson page reads the enrolment and its cohort's release dates as plain rows
    (access.version_and_enrolment_row_or_404): the default date locks it, a trainer's earlier date opens it."""
    from datetime import date

    from app.cohorts.models import ModuleRelease

    learner.cohort.release_locks = True  # the factory's cohort starts on 2027-01-11, in the future
    db.session.commit()
    url = "/kurse/kurz-kurs/01-grundlagen/die-charta"
    response = browser.get(url)
    assert response.status_code == 302 and response.location.endswith("/kurse/kurz-kurs/01-grundlagen")
    module = db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))
    db.session.add(ModuleRelease(cohort_id=learner.cohort.id, module_id=module.id, opens_on=date(2026, 1, 1)))
    db.session.commit()
    assert browser.get(url).status_code == 200


def test_the_lesson_and_quiz_forms_carry_the_requests_csrf_token(browser, learner, db):
    """Both pages write the token themselves (csrf_token()) instead of building a FlaskForm: it
    is the one the layout's forms carry, and a POST with exactly that token is accepted."""
    lesson_url = "/kurse/kurz-kurs/01-grundlagen/die-charta"
    page = browser.get(lesson_url).get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert len(tokens) >= 3 and len(set(tokens)) == 1  # the layout's two forms and "Als erledigt markieren"
    response = browser.post(f"{lesson_url}/erledigt", {"csrf_token": tokens[-1]}, csrf=False)
    assert response.status_code == 302
    assert browser.post(f"{lesson_url}/erledigt", {"csrf_token": "falsch"}, csrf=False).status_code == 400

    attempt = start_attempt(browser, db)
    page = browser.get(f"/versuche/{attempt.id}").get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert len(tokens) >= 3 and len(set(tokens)) == 1
    assert browser.post(f"/versuche/{attempt.id}", {"action": "save", "csrf_token": tokens[-1]}, csrf=False).status_code == 302
    assert browser.post(f"/versuche/{attempt.id}", {"action": "save", "csrf_token": "falsch"}, csrf=False).status_code == 400


def test_the_attempt_page_hands_over_to_the_full_path_when_the_time_is_up(browser, learner, db):
    """The open attempt page is read as plain columns (quizzes.routes._open_attempt_page); a timed
    out attempt is still submitted on the GET, and a submitted one redirects to its review."""
    quiz = quiz_of(db)
    quiz.settings = {**quiz.settings, "time_limit_minutes": 10}
    db.session.commit()
    attempt = start_attempt(browser, db)
    page = browser.get(f"/versuche/{attempt.id}").get_data(as_text=True)
    assert "abzugeben bis" in page and quiz.title in page
    attempt.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = browser.get(f"/versuche/{attempt.id}")
    assert response.status_code == 302 and response.location.endswith(f"/versuche/{attempt.id}/auswertung")
    db.session.refresh(attempt)
    assert attempt.submitted_at == attempt.deadline_at
    response = browser.get(f"/versuche/{attempt.id}")
    assert response.status_code == 302 and response.location.endswith(f"/versuche/{attempt.id}/auswertung")
