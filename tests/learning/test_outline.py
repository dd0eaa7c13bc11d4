"""The lesson page reads the course outline and lesson texts from a per-process copy
(app.learning.outline): a re-import shows at once, and a page reads no content it holds."""
from __future__ import annotations

import shutil
from pathlib import Path

from app.catalogue.services import import_path
from tests.statements import statements_sent

SOURCE = Path(__file__).parents[1] / "data" / "courses" / "kurz-kurs"
CHARTA = "/kurse/kurz-kurs/01-grundlagen/die-charta"
FIRST = "/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city"


def course_copy(tmp_path: Path) -> Path:
    """A copy of the test course to edit, in a courses folder of its own."""
    folder = tmp_path / "courses" / "kurz-kurs"
    shutil.copytree(SOURCE, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def reimport(app, db, folder: Path):
    """Imports the edited copy (no errors) and commits; the course's import report."""
    with app.app_context():
        reports, problems = import_path(folder.parent)
    assert not [p for p in problems if p.severity == "error"], problems
    db.session.commit()
    return reports[0]


def statements_of(db, browser, url: str) -> list[str]:
    def view():
        assert browser.get(url).status_code == 200

    return statements_sent(db.engine, view)


def test_a_reimported_course_shows_on_the_next_lesson_page(app, db, browser, make, tmp_path):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    page = browser.get(FIRST).get_data(as_text=True)
    assert 'rel="next" href="/kurse/kurz-kurs/01-grundlagen/die-charta"' in page
    assert "Die Charta nennt vier Leitlinien." in browser.get(CHARTA).get_data(as_text=True)

    folder = course_copy(tmp_path)
    charta = folder / "01-grundlagen" / "02-die-charta.md"
    edit(charta, "Die Charta nennt vier Leitlinien.", "Die Charta nennt genau vier Leitlinien.")
    assert reimport(app, db, folder).updated
    assert "Die Charta nennt genau vier Leitlinien." in browser.get(CHARTA).get_data(as_text=True)

    charta.unlink()  # the lesson is archived by the next import: gone from the pager, its page 404
    edit(folder / "01-grundlagen" / "01-was-ist-eine-smart-city.md", "[der Charta](02-die-charta.md#leitlinien)", "der Charta")
    assert reimport(app, db, folder).archived == 1
    assert browser.get(CHARTA).status_code == 404
    assert "die-charta" not in browser.get(FIRST).get_data(as_text=True)


def test_a_lesson_page_reads_no_content_it_holds_already(db, browser, make):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    browser.get(CHARTA)
    sent = statements_of(db, browser, CHARTA)
    # the login session with its user, the course's version with the enrolment, the progress
    assert len(sent) <= 3, sent
    assert not [s for s in sent if "body_html" in s or "FROM modules" in s or "FROM lessons" in s], sent


def test_a_reimported_course_shows_on_the_next_dashboard(app, db, browser, make, tmp_path):
    """The dashboard's next lesson and due assignments come from the same per-version outline."""
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    page = browser.get("/lernstand").get_data(as_text=True)
    assert ">Was ist eine Smart City?</a>" in page
    assert ">Reflexion</a>" in page and "fällig am 25.01.2027" in page

    folder = course_copy(tmp_path)
    edit(folder / "01-grundlagen" / "01-was-ist-eine-smart-city.md", "title: Was ist eine Smart City?", "title: Was ist eine smarte Stadt?")
    reflexion = folder / "02-abschluss" / "assignment-reflexion.md"
    edit(reflexion, "title: Reflexion", "title: Rückblick in Worten")
    edit(reflexion, "due_days: 7", "due_days: 14")
    assert reimport(app, db, folder).updated
    page = browser.get("/lernstand").get_data(as_text=True)
    assert ">Was ist eine smarte Stadt?</a>" in page and "Was ist eine Smart City?" not in page
    assert ">Rückblick in Worten</a>" in page and "fällig am 01.02.2027" in page and ">Reflexion</a>" not in page

    reflexion.unlink()  # the assignment is archived by the next import: no longer due
    assert reimport(app, db, folder).archived == 1
    assert "Rückblick in Worten" not in browser.get("/lernstand").get_data(as_text=True)


def test_a_dashboard_reads_no_content_it_holds_already(db, browser, make):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    browser.get("/lernstand")
    sent = statements_of(db, browser, "/lernstand")
    assert not [s for s in sent if "FROM modules" in s or "FROM assignments" in s], sent


REFLEXION = "/kurse/kurz-kurs/02-abschluss/aufgaben/reflexion"
QUIZ = "/kurse/kurz-kurs/01-grundlagen/quiz"


def test_a_reimported_course_shows_on_the_next_assignment_page(app, db, browser, make, tmp_path):
    """The assignment page's title, instructions, settings and rubric come from the outline of the
    course version: a re-import shows at once, an archived assignment is gone (404)."""
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    page = browser.get(REFLEXION).get_data(as_text=True)
    assert "Praxisaufgabe: Reflexion" in page and "Beschreiben Sie ein Projekt Ihrer Kommune." in page
    assert "Bezug zur eigenen Kommune" in page and "Abgabe bis 25.01.2027" in page and "bestanden ab 2 von" in page

    folder = course_copy(tmp_path)
    reflexion = folder / "02-abschluss" / "assignment-reflexion.md"
    edit(reflexion, "title: Reflexion", "title: Rückblick in Worten")
    edit(reflexion, "Beschreiben Sie ein Projekt Ihrer Kommune.", "Beschreiben Sie zwei Projekte Ihrer Kommune.")
    edit(reflexion, "due_days: 7", "due_days: 14")
    edit(reflexion, "pass_points: 2", "pass_points: 1")
    edit(reflexion, "criterion: Bezug zur eigenen Kommune", "criterion: Bezug zur Kommune")
    assert reimport(app, db, folder).updated
    page = browser.get(REFLEXION).get_data(as_text=True)
    assert "Praxisaufgabe: Rückblick in Worten" in page and "Beschreiben Sie zwei Projekte Ihrer Kommune." in page
    assert "Bezug zur Kommune<" in page and "Bezug zur eigenen Kommune" not in page
    assert "Abgabe bis 01.02.2027" in page and "bestanden ab 1 von" in page

    reflexion.unlink()
    assert reimport(app, db, folder).archived == 1
    assert browser.get(REFLEXION).status_code == 404


def test_a_reimported_course_shows_on_the_next_quiz_overview(app, db, browser, make, tmp_path):
    """The quiz overview's title, settings and number of questions come from the outline of the
    course version: a re-import shows at once."""
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    page = browser.get(QUIZ).get_data(as_text=True)
    assert "<h1>Wissenscheck Grundlagen</h1>" in page and "Bestanden ab 75 %" in page and "Versuche unbegrenzt" in page

    folder = course_copy(tmp_path)
    quiz = folder / "01-grundlagen" / "quiz.md"
    count = quiz.read_text(encoding="utf-8").count("\n## ")  # one heading per question
    assert f"<li>{count} Fragen</li>" in page
    edit(quiz, "title: Wissenscheck Grundlagen", "title: Wissenscheck Grundlagen, neu")
    edit(quiz, "pass_mark: 75", "pass_mark: 60")
    edit(quiz, "max_attempts: 0", "max_attempts: 3")
    quiz.write_text(quiz.read_text(encoding="utf-8") + "\n## Noch eine Frage? {#noch-eine type=single points=1}\n\n- [x] Ja\n- [ ] Nein\n",
                    encoding="utf-8")
    assert reimport(app, db, folder).updated
    page = browser.get(QUIZ).get_data(as_text=True)
    assert "<h1>Wissenscheck Grundlagen, neu</h1>" in page and "Bestanden ab 60 %" in page and "3 Versuche" in page
    assert f"<li>{count + 1} Fragen</li>" in page


def test_the_assignment_page_and_quiz_overview_read_no_content_they_hold_already(db, browser, make):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    for url in (REFLEXION, QUIZ):
        browser.get(url)
        sent = statements_of(db, browser, url)
        # the login session with its user, the course's version with the enrolment and progress,
        # the submission or the attempts
        assert len(sent) <= 3, sent
        assert not [s for s in sent if "FROM modules" in s or "FROM assignments" in s or "FROM quizzes" in s
                    or "FROM progress_items WHERE" in s], sent
