"""The lesson page's parts that are the same for every learner (app.learning.fragments) are kept
per course version, lesson and language; the learner's own part is rendered per request."""
from __future__ import annotations

import re

from tests.learning.test_outline import CHARTA, FIRST, course_copy, edit, reimport


def test_a_renamed_lesson_shows_in_its_title_breadcrumbs_and_the_pager(app, db, browser, make, tmp_path):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    assert ">Die Charta →</a>" in browser.get(FIRST).get_data(as_text=True)
    assert '<h1 id="lesson-title">Die Charta</h1>' in browser.get(CHARTA).get_data(as_text=True)

    folder = course_copy(tmp_path)
    edit(folder / "01-grundlagen" / "02-die-charta.md", "title: Die Charta", "title: Die Charta von Leipzig")
    assert reimport(app, db, folder).updated

    page = browser.get(CHARTA).get_data(as_text=True)
    assert '<h1 id="lesson-title">Die Charta von Leipzig</h1>' in page
    assert '<span aria-current="page">Die Charta von Leipzig</span>' in page
    assert ">Die Charta von Leipzig →</a>" in browser.get(FIRST).get_data(as_text=True)


def test_the_parts_follow_the_language(make, browser):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    german = browser.get(FIRST).get_data(as_text=True)
    assert "Lektion 1 von 2" in german and ">Mein Lernstand</a>" in german
    browser.post("/sprache", {"lang": "en", "next": FIRST})
    english = browser.get(FIRST).get_data(as_text=True)
    assert "Lesson 1 of 2" in english and ">My progress</a>" in english and "Lektion 1 von 2" not in english
    browser.post("/sprache", {"lang": "de", "next": FIRST})
    assert browser.get(FIRST).get_data(as_text=True) == german.replace(*tokens_of(german, browser.get(FIRST)))


def tokens_of(page: str, response) -> tuple[str, str]:
    """(this page's CSRF token, the other response's): the language form renews nothing else."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    other = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    return token, other


def test_each_learner_sees_their_own_state_and_token(make, browser, another_browser):
    cohort = make.cohort()
    first, second = make.enrolment(cohort=cohort), make.enrolment(cohort=cohort)
    browser.login(first.user)
    another_browser.login(second.user)
    browser.get(FIRST)
    assert browser.post(FIRST + "/erledigt").status_code == 302

    done = browser.get(FIRST).get_data(as_text=True)
    open_ = another_browser.get(FIRST).get_data(as_text=True)
    assert "Diese Lektion ist erledigt." in done and 'action="' + FIRST + '/erledigt"' not in done
    assert "Diese Lektion ist erledigt." not in open_ and 'action="' + FIRST + '/erledigt"' in open_
    token = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', open_)
    assert token and set(token) == {another_browser.token} and another_browser.token != browser.token
    assert another_browser.post(FIRST + "/erledigt").status_code == 302


def test_the_parts_follow_the_script_root(make, browser):
    """An app mounted under a path prefix (SCRIPT_NAME) links under it; the same app without it does not."""
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    plain = browser.get(FIRST).get_data(as_text=True)
    mounted = browser.get(FIRST, environ_overrides={"SCRIPT_NAME": "/campus"}).get_data(as_text=True)
    assert 'href="/kurse/kurz-kurs/01-grundlagen/die-charta"' in plain and "/campus/" not in plain
    assert 'rel="next" href="/campus/kurse/kurz-kurs/01-grundlagen/die-charta"' in mounted
    assert 'action="/campus/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city/erledigt"' in mounted


def test_the_latest_open_enrolment_decides_read_with_the_course_version(db, browser, make):
    """The lesson page reads the course's version and the enrolment in one statement
    (access.version_and_enrolment_row_or_404), with the same rule as enrolment_for: the most recent
    open enrolment in this course; its cohort's release dates decide; without one, 403."""
    from datetime import datetime, timezone

    from app.cohorts.models import EnrolmentStatus

    user = make.user()
    locked, open_ = make.cohort(), make.cohort()
    locked.release_locks = True  # the factory's cohorts start on 2027-01-11, in the future
    older, newer = make.enrolment(user=user, cohort=locked), make.enrolment(user=user, cohort=open_)
    older.enrolled_at, newer.enrolled_at = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 6, 1, tzinfo=timezone.utc)
    db.session.commit()
    browser.login(user)
    assert browser.get(CHARTA).status_code == 200  # the newer enrolment's cohort does not lock

    newer.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    assert browser.get(CHARTA).status_code == 302  # now the older one's cohort decides: locked

    older.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    assert browser.get(CHARTA).status_code == 403
    assert browser.get("/kurse/kein-kurs/01-grundlagen/die-charta").status_code == 404


def test_a_full_cache_drops_its_oldest_part_not_all(app, make, browser, monkeypatch):
    from app.learning import fragments

    monkeypatch.setattr(fragments, "_MAX_PARTS", 2)
    app.extensions.pop("lesson_parts", None)
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    browser.get(FIRST)
    browser.get(CHARTA)
    browser.post("/sprache", {"lang": "en", "next": FIRST})
    assert browser.get(FIRST).status_code == 200  # a third key: the first part (German, FIRST) goes
    kept = app.extensions["lesson_parts"]
    assert len(kept) == 2 and [key[2] for key in kept] == ["de", "en"]


def test_the_assignment_page_parts_follow_the_language_and_the_course_version(app, db, make, browser, tmp_path):
    """Breadcrumbs, title, instructions and rubric of the assignment page are kept like the lesson
    page's parts (app.learning.fragments.assignment_parts)."""
    from tests.learning.test_outline import REFLEXION

    enrolment = make.enrolment()
    browser.login(enrolment.user)
    german = browser.get(REFLEXION).get_data(as_text=True)
    assert "<h1>Praxisaufgabe: Reflexion</h1>" in german and "<summary>So wird bewertet</summary>" in german
    assert "<li>2 Punkte – vorhanden: Ein konkretes Beispiel.</li>" in german
    browser.post("/sprache", {"lang": "en", "next": REFLEXION})
    english = browser.get(REFLEXION).get_data(as_text=True)
    assert "So wird bewertet" not in english and ">My progress</a>" in english
    browser.post("/sprache", {"lang": "de", "next": REFLEXION})
    assert browser.get(REFLEXION).get_data(as_text=True) == german.replace(*tokens_of(german, browser.get(REFLEXION)))

    folder = course_copy(tmp_path)
    edit(folder / "02-abschluss" / "assignment-reflexion.md", "label: vorhanden", "label: deutlich vorhanden")
    assert reimport(app, db, folder).updated
    assert "<li>2 Punkte – deutlich vorhanden: Ein konkretes Beispiel.</li>" in browser.get(REFLEXION).get_data(as_text=True)
