"""Trainers: queue, grading with the rubric, records, optimistic locking, revision loop,
progress and certificate, ZIP export, access."""
from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import select

from app.assignments.models import Grading, Submission, SubmissionStatus
from app.certificates.models import Certificate
from app.progress.models import ItemType, ProgressItem
from tests.assignments.conftest import URL, browser_for, pdf_bytes, upload


def hand_in(app, enrolment, text="Unser Projekt", files=()):
    browser = browser_for(app, enrolment.user)
    assert upload(browser, text, files=files, action="submit").status_code == 302
    return browser


def submission_of(db, enrolment) -> Submission:
    return db.session.scalar(select(Submission).where(Submission.enrolment_id == enrolment.id))


def grade_form(page_browser, submission, decision="passed", levels=("1",), comment="Gut gemacht.", after="stay", query=""):
    page_browser.get(f"/bewertung/{submission.id}{query}")
    data = {"version_id": str(submission.latest_version.id), "lock_version": str(submission.lock_version),
            "decision": decision, "comment": comment, "after": after}
    data.update({f"level_c{n}": level for n, level in enumerate(levels, start=1)})
    return data


def test_queue_lists_waiting_submissions_oldest_first_with_a_badge(app, db, make, cohort, trainer, learner):
    second = make.enrolment(user=make.user("learner", name="Zoe Zweite"), cohort=cohort)
    from tests.assignments.conftest import open_first_module
    open_first_module(db, second)
    hand_in(app, learner)
    hand_in(app, second)
    browser = browser_for(app, trainer)
    page = browser.get("/bewertung").get_data(as_text=True)
    assert page.index("Lena Lernende") < page.index("Zoe Zweite")
    assert 'class="badge">2<' in page
    page = browser.get(f"/bewertung?cohort={cohort.id}&status=passed").get_data(as_text=True)
    assert "Lena Lernende" not in page and "Keine Abgaben" in page
    assert browser.get("/bewertung?cohort=999999").status_code == 404


def test_queue_rows_show_what_the_submissions_hold(app, db, make, cohort, trainer, learner):
    """The queue page reads plain rows (issue 17): each row must say what the objects say —
    learner, assignment, module, cohort, latest version, status, reviewer, and the link with the filter."""
    from app.assignments import queries

    second = make.enrolment(user=make.user("learner", name="Zoe Zweite"), cohort=cohort)
    from tests.assignments.conftest import open_first_module
    open_first_module(db, second)
    hand_in(app, learner)
    hand_in(app, second)
    first = submission_of(db, learner)
    browser = browser_for(app, trainer)
    browser.get(f"/bewertung/{first.id}")  # opens it: in review, with the trainer as reviewer
    db.session.expire_all()
    filters = queries.QueueFilter(cohort_id=cohort.id)
    objects, rows = queries.grading_queue(trainer, filters), queries.queue_rows(trainer, filters)
    assert [(s.id, s.submitted_at, s.status, s.enrolment.user.name, s.assignment.title, s.assignment.module.title,
             s.enrolment.cohort.name, s.reviewer.name if s.reviewer else None, s.latest_version.number, s.latest_version.late)
            for s in objects] == [tuple(row) for row in rows]
    assert [row.status for row in rows] == [SubmissionStatus.IN_REVIEW, SubmissionStatus.SUBMITTED]
    page = browser.get(f"/bewertung?cohort={cohort.id}").get_data(as_text=True)
    assert f'href="/bewertung/{first.id}?status=open&amp;cohort={cohort.id}"' in page
    assert f"bei {trainer.name}" in page and "in Prüfung" in page and "abgegeben" in page


def test_grading_opens_in_review_and_passing_updates_progress(app, db, learner, trainer, assignment):
    hand_in(app, learner)
    submission = submission_of(db, learner)
    browser = browser_for(app, trainer)
    data = grade_form(browser, submission)
    db.session.refresh(submission)
    assert submission.status == SubmissionStatus.IN_REVIEW and submission.reviewer_id == trainer.id
    response = browser.post(f"/bewertung/{submission.id}", data)
    assert response.status_code == 302
    db.session.refresh(submission)
    assert submission.status == SubmissionStatus.PASSED
    [grading] = db.session.scalars(select(Grading)).all()
    assert (grading.points, grading.max_points, grading.pass_points, grading.levels, grading.grader_id) == (2, 2, 2, {"c1": 1}, trainer.id)
    assert db.session.scalar(select(ProgressItem).where(
        ProgressItem.enrolment_id == learner.id, ProgressItem.item_type == ItemType.ASSIGNMENT, ProgressItem.item_id == assignment.id))
    page = browser_for(app, learner.user).get(URL).get_data(as_text=True)
    assert "bestanden" in page and "Gut gemacht." in page and "2 von 2" in page


def test_passing_the_last_required_item_issues_the_certificate(app, db, learner, trainer):
    from app.catalogue.models import Module
    from app.progress.services import complete_item

    course = learner.cohort.course
    course.completion = {**course.completion, "assignments": "all"}
    module = db.session.scalar(select(Module).where(Module.slug == "02-abschluss"))
    for lesson in module.lessons:
        complete_item(learner, ItemType.LESSON, lesson.id, module)
    db.session.flush()
    assert db.session.scalar(select(Certificate).where(Certificate.enrolment_id == learner.id)) is None
    hand_in(app, learner)
    submission = submission_of(db, learner)
    browser = browser_for(app, trainer)
    assert browser.post(f"/bewertung/{submission.id}", grade_form(browser, submission)).status_code == 302
    assert db.session.scalar(select(Certificate).where(Certificate.enrolment_id == learner.id)) is not None
    db.session.refresh(learner)
    assert learner.items_done == learner.items_total


def test_passing_below_the_threshold_is_refused(app, db, learner, trainer):
    hand_in(app, learner)
    submission = submission_of(db, learner)
    browser = browser_for(app, trainer)
    response = browser.post(f"/bewertung/{submission.id}", grade_form(browser, submission, levels=("0",)))
    assert response.status_code == 422
    assert "Bestehensgrenze von 2 Punkten nicht erreicht" in response.get_data(as_text=True)
    assert db.session.scalar(select(Grading)) is None


def test_a_criterion_without_level_is_an_error_tied_to_the_field(app, db, learner, trainer):
    hand_in(app, learner)
    submission = submission_of(db, learner)
    browser = browser_for(app, trainer)
    data = grade_form(browser, submission)
    del data["level_c1"]
    response = browser.post(f"/bewertung/{submission.id}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="level_c1-error"' in page and "Bitte wählen Sie eine Stufe." in page


def test_second_trainer_grading_at_the_same_time_gets_a_conflict_and_loses_nothing(app, db, make, cohort, learner, trainer):
    colleague = make.user("trainer", name="Carla Co-Trainerin")
    cohort.trainers.append(colleague)
    db.session.flush()
    hand_in(app, learner)
    submission = submission_of(db, learner)
    first, second = browser_for(app, trainer), browser_for(app, colleague)
    first_data = grade_form(first, submission, comment="Erste Rückmeldung")
    second_data = grade_form(second, submission, decision="revision_requested", comment="Meine ausführliche Rückmeldung")
    assert first.post(f"/bewertung/{submission.id}", first_data).status_code == 302
    response = second.post(f"/bewertung/{submission.id}", second_data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Tom Trainer hat diese Abgabe inzwischen bewertet (bestanden)" in page
    assert "Meine ausführliche Rückmeldung</textarea>" in page  # the colleague's input is still there
    assert "Erste Rückmeldung" in page  # and the other grading is shown
    assert [g.comment for g in db.session.scalars(select(Grading))] == ["Erste Rückmeldung"]
    # saving again after reading the message is a deliberate regrade: a second record
    again = dict(second_data, decision="passed", lock_version=str(submission_of(db, learner).lock_version))
    assert second.post(f"/bewertung/{submission.id}", again).status_code == 302
    assert [g.comment for g in db.session.scalars(select(Grading).order_by(Grading.id))] == ["Erste Rückmeldung", "Meine ausführliche Rückmeldung"]


def test_revision_loop_keeps_every_version_and_its_feedback(app, db, learner, trainer):
    learner_browser = hand_in(app, learner, "Erste Fassung", files=[("bericht.pdf", pdf_bytes())])
    submission = submission_of(db, learner)
    browser = browser_for(app, trainer)
    data = grade_form(browser, submission, decision="revision_requested", levels=("0",), comment="Bitte ein konkretes Beispiel.")
    assert browser.post(f"/bewertung/{submission.id}", data).status_code == 302
    page = learner_browser.get(URL).get_data(as_text=True)
    assert "Überarbeitung erbeten" in page and "Bitte ein konkretes Beispiel." in page
    assert "Erste Fassung</textarea>" in page and "bericht.pdf" in page  # the draft starts from version 1
    assert upload(learner_browser, "Zweite Fassung mit Beispiel", action="submit").status_code == 302
    db.session.refresh(submission)
    assert [(v.number, v.text, [f.filename for f in v.files]) for v in submission.versions] == [
        (1, "Erste Fassung", ["bericht.pdf"]), (2, "Zweite Fassung mit Beispiel", ["bericht.pdf"])]
    assert submission.status == SubmissionStatus.SUBMITTED
    assert browser.post(f"/bewertung/{submission.id}", grade_form(browser, submission)).status_code == 302
    page = learner_browser.get(URL).get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page and "Bitte ein konkretes Beispiel." in page and "Gut gemacht." in page
    assert [v.number for v in submission.versions if v.gradings] == [1, 2]


def test_a_passed_submission_cannot_be_regraded_to_failed(app, db, learner, trainer):
    hand_in(app, learner)
    submission = submission_of(db, learner)
    browser = browser_for(app, trainer)
    browser.post(f"/bewertung/{submission.id}", grade_form(browser, submission))
    response = browser.post(f"/bewertung/{submission.id}", grade_form(browser, submission_of(db, learner), decision="failed"))
    assert response.status_code == 422 and "kann nur „bestanden“ lauten" in response.get_data(as_text=True)
    assert db.session.query(Grading).count() == 1


def test_save_and_next_goes_to_the_next_waiting_submission(app, db, make, cohort, learner, trainer):
    from tests.assignments.conftest import open_first_module

    second = make.enrolment(cohort=cohort)
    open_first_module(db, second)
    hand_in(app, learner)
    hand_in(app, second)
    first_submission, second_submission = submission_of(db, learner), submission_of(db, second)
    browser = browser_for(app, trainer)
    query = f"?cohort={cohort.id}&status=open"
    data = grade_form(browser, first_submission, after="next", query=query)
    response = browser.post(f"/bewertung/{first_submission.id}{query}", data)
    assert response.status_code == 302 and f"/bewertung/{second_submission.id}?" in response.location
    assert f"cohort={cohort.id}" in response.location


def test_grading_and_zip_are_hidden_from_learners_and_other_trainers(app, db, make, cohort, learner, assignment):
    hand_in(app, learner)
    submission = submission_of(db, learner)
    stranger = make.user("trainer")
    make.cohort(trainers=[stranger])
    other_learner = make.enrolment(cohort=cohort).user
    zip_url = f"/bewertung/kohorten/{cohort.id}/aufgaben/{assignment.id}/abgaben.zip"
    for user in (stranger, other_learner, learner.user):
        browser = browser_for(app, user)
        assert browser.get(f"/bewertung/{submission.id}").status_code == 404
        assert browser.get(zip_url).status_code == 404
    assert "Lena Lernende" not in browser_for(app, stranger).get("/bewertung").get_data(as_text=True)


def test_zip_holds_every_version_with_files_and_an_overview(app, db, make, cohort, learner, trainer, assignment):
    from tests.assignments.conftest import open_first_module

    hand_in(app, learner, "Text von Lena", files=[("bericht.pdf", pdf_bytes()), ("Bericht.pdf", pdf_bytes() + b"2")])
    second = make.enrolment(user=make.user("learner", name="Zoe Zweite"), cohort=cohort)
    open_first_module(db, second)
    hand_in(app, second, "Text von Zoe")
    make.enrolment(cohort=make.cohort(trainers=[trainer]))  # another cohort: not in this ZIP
    response = browser_for(app, trainer).get(f"/bewertung/kohorten/{cohort.id}/aufgaben/{assignment.id}/abgaben.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    lena, zoe = f"Lena Lernende ({learner.id})", f"Zoe Zweite ({second.id})"
    assert names == sorted([
        f"{lena}/version-1/text.md", f"{lena}/version-1/bericht.pdf", f"{lena}/version-1/Bericht (2).pdf",
        f"{zoe}/version-1/text.md", "uebersicht.csv",
    ])
    assert archive.read(f"{lena}/version-1/bericht.pdf") == pdf_bytes()
    assert archive.read(f"{zoe}/version-1/text.md").decode() == "Text von Zoe"
    rows = list(csv.reader(io.StringIO(archive.read("uebersicht.csv").decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["Lena Lernende", "Zoe Zweite"] and rows[1][5] == "submitted" and rows[1][7] == "2"


def _badge(browser) -> int:
    """The grading entry's badge in the navigation of an ordinary page (0: no badge)."""
    import re

    found = re.search(r'class="badge">(\d+)<', browser.get("/impressum").get_data(as_text=True))
    return int(found.group(1)) if found else 0


def test_the_badge_counts_what_waits_at_every_request(app, db, make, cohort, trainer, learner):
    """The badge's statement is built once per process (issue 17): the count must still be this
    request's — up after a hand-in, down after a grade — and each trainer's own cohorts'."""
    other_trainer = make.user("trainer", name="Olga Other")
    make.cohort(trainers=[other_trainer])
    second = make.enrolment(user=make.user("learner", name="Zoe Zweite"), cohort=cohort)
    from tests.assignments.conftest import open_first_module
    open_first_module(db, second)
    db.session.commit()
    browser, other, admin = browser_for(app, trainer), browser_for(app, other_trainer), browser_for(app, make.user("admin"))
    assert (_badge(browser), _badge(other), _badge(admin)) == (0, 0, 0)
    hand_in(app, learner)
    assert (_badge(browser), _badge(other), _badge(admin)) == (1, 0, 1)
    hand_in(app, second)
    assert (_badge(browser), _badge(other), _badge(admin)) == (2, 0, 2)
    submission = submission_of(db, learner)
    assert browser.post(f"/bewertung/{submission.id}", grade_form(browser, submission)).status_code == 302
    assert (_badge(browser), _badge(other), _badge(admin)) == (1, 0, 1)


def test_every_shape_of_queue_filter_lists_what_its_conditions_say(app, db, make, cohort, trainer, learner, assignment):
    """The queue's statements are built once per filter shape with the values bound per request
    (issue 17): for each user and filter, the rows and objects are the submissions a plain reading
    of the rules selects — handed in, the user's cohorts (admins: all), never the user's own."""
    from app.assignments import queries
    from app.catalogue.models import Module
    from tests.assignments.conftest import open_first_module

    other_trainer = make.user("trainer", name="Olga Other")
    other_cohort = make.cohort(trainers=[other_trainer])
    enrolments = [learner]
    for n, group in enumerate((cohort, cohort, cohort, other_cohort, other_cohort)):
        enrolments.append(make.enrolment(user=make.user("learner", name=f"Lernende {n}"), cohort=group))
    enrolments.append(make.enrolment(user=other_trainer, cohort=other_cohort))  # a trainer taking their own cohort's course
    drafting = make.enrolment(user=make.user("learner"), cohort=cohort)
    for enrolment in enrolments + [drafting]:
        open_first_module(db, enrolment)
    db.session.commit()
    for enrolment in enrolments:
        hand_in(app, enrolment)
    assert upload(browser_for(app, drafting.user), "nur ein Entwurf").status_code == 302
    submissions = db.session.scalars(select(Submission)).all()
    statuses = [SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW, SubmissionStatus.PASSED,
                SubmissionStatus.REVISION_REQUESTED, SubmissionStatus.FAILED]
    for n, submission in enumerate(s for s in submissions if s.status != SubmissionStatus.DRAFT):
        submission.status = statuses[n % len(statuses)]
    db.session.commit()
    assert SubmissionStatus.DRAFT in {s.status for s in submissions}
    module_id = db.session.scalar(select(Module.id).where(Module.slug == "02-abschluss"))
    admin = make.user("admin")
    for user in (trainer, other_trainer, admin):
        graded = None if user is admin else {c.id for c in (cohort, other_cohort) if user in c.trainers}
        for cohort_id in (None, cohort.id, other_cohort.id):
            for module in (None, module_id, module_id + 1000):
                for status in [queries.OPEN, queries.ALL] + [s.value for s in statuses]:
                    filters = queries.QueueFilter(cohort_id, module, status)
                    expected = sorted((s.submitted_at, s.id) for s in submissions if (
                        s.status != SubmissionStatus.DRAFT
                        and (graded is None or (s.enrolment.cohort_id in graded and s.enrolment.user_id != user.id))
                        and cohort_id in (None, s.enrolment.cohort_id) and module in (None, s.assignment.module_id)
                        and (s.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW) if status == queries.OPEN
                             else status in (queries.ALL, s.status.value))))
                    expected_ids = [submission_id for _at, submission_id in expected]
                    assert [row.id for row in queries.queue_rows(user, filters)] == expected_ids, (user.name, filters)
                    assert [s.id for s in queries.grading_queue(user, filters)] == expected_ids, (user.name, filters)
                    if filters == queries.QueueFilter():
                        assert queries.waiting_count(user) == len(expected_ids)
                    # the page reads rows, filter choices and the badge's count in one statement
                    assert queries.queue_page(user, filters) == (
                        *queries.filter_choices(user), queries.queue_rows(user, filters), queries.waiting_count(user)), (user.name, filters)
                    assert queries.queue_page(user, filters, limit=2).rows == queries.queue_rows(user, filters, limit=2)
        assert [row.id for row in queries.queue_rows(user, queries.QueueFilter(status=queries.ALL), limit=2)] == \
            [row.id for row in queries.queue_rows(user, queries.QueueFilter(status=queries.ALL))][:2]


def test_the_filter_offers_the_graded_cohorts_and_their_modules_with_assignments(db, make, cohort, trainer):
    """The queue's filter reads its cohorts and modules in one statement (queries.filter_choices,
    issue 17): the same as a plain reading — the cohorts the user grades, newest first then by name;
    the active modules with assignments of their courses, by course and position."""
    from datetime import date

    from app.assignments import queries
    from app.catalogue.models import Assignment, Course, Module
    from app.db import utcnow

    other_course = Course(slug="zweiter-kurs", title="Zweiter Kurs", version="1", language="de", hours=1.0, content_hash="x")
    first = Module(course=other_course, slug="m1", position=1, title="Zweiter Kurs, Modul 1", hours=1.0, content_hash="x")
    Module(course=other_course, slug="m0", position=0, title="Ohne Aufgabe", hours=1.0, content_hash="x")
    gone = Module(course=other_course, slug="m2", position=2, title="Archiviert", hours=1.0, content_hash="x", archived_at=utcnow())
    for module in (first, gone):
        db.session.add(Assignment(module=module, slug="a", title="Aufgabe", instructions_html="", content_hash="x"))
    other_trainer, admin, idle_trainer = make.user("trainer"), make.user("admin"), make.user("trainer")
    later = make.cohort(trainers=[trainer], name="A später")
    shared = make.cohort(course=other_course, trainers=[trainer, other_trainer], name="Geteilt")
    foreign = make.cohort(course=other_course, trainers=[other_trainer], name="Fremd")
    later.starts_on, shared.starts_on, foreign.starts_on = date(2027, 6, 1), date(2026, 1, 1), date(2027, 6, 1)
    db.session.flush()
    cohorts = [cohort, later, shared, foreign]
    for user in (trainer, other_trainer, admin, idle_trainer):
        graded = sorted((c for c in cohorts if user is admin or user in c.trainers), key=lambda c: (-c.starts_on.toordinal(), c.name))
        courses = {c.course_id for c in graded}
        modules = sorted((m for m in db.session.scalars(select(Module)) if m.course_id in courses and m.archived_at is None
                          and any(True for _ in m.assignments)), key=lambda m: (m.course_id, m.position))
        offered_cohorts, offered_modules = queries.filter_choices(user)
        assert [tuple(c) for c in offered_cohorts] == [(c.id, c.name, c.course_id) for c in graded], user.name
        assert [tuple(m) for m in offered_modules] == [(m.id, m.title) for m in modules], user.name
        assert queries.queue_page(user, queries.QueueFilter())[:2] == (offered_cohorts, offered_modules), user.name
    assert queries.filter_choices(idle_trainer) == ([], [])


# The hand-in row as queue.html wrote it before its cells moved to routes._queue_row_html (issue 17).
_TEMPLATE_ROW = """{% with query_string = filters.as_args() | urlencode, late_label = _("verspätet"), grade_label = _("Bewerten"), view_label = _("Ansehen") %}<td>{{ submission.submitted_at | datetime('short') }}{% if submission.late %} <span class="status status-late">{{ late_label }}</span>{% endif %}</td>
      <td>{{ submission.learner_name }}</td>
      <td>{{ submission.assignment_title }}<br><span class="meta">{{ submission.module_title }}</span></td>
      <td>{{ submission.cohort_name }}</td>
      <td>{{ submission.version_number or '' }}</td>
      <td><span class="status status-{{ status_classes[submission.status] }}">{{ status_labels[submission.status] }}</span>{% if submission.status == 'in_review' and submission.reviewer_name %}<br><span class="meta">{{ _("bei %(name)s", name=submission.reviewer_name) }}</span>{% endif %}</td>
      <td><a href="{{ grade_url_prefix }}{{ submission.id }}?{{ query_string }}">{{ grade_label if submission.status in ('submitted', 'in_review') else view_label }}<span class="visually-hidden">: {{ submission.learner_name }}, {{ submission.assignment_title }}</span></a></td>{% endwith %}"""


def test_queue_rows_are_written_as_the_template_wrote_them(app):
    """Each hand-in row's cells are written in Python, escaping only the values that need it (issue
    17): for every status, late or not, with and without a reviewer or version, names with markup,
    and a filter whose query string needs escaping, in German and English, the HTML must be what the
    template wrote — and every text people entered must come out escaped."""
    from datetime import datetime, timezone

    from flask import current_app
    from flask_babel import force_locale
    from markupsafe import escape

    from app.assignments import queries, routes
    from app.templating import datetime_formatter

    evil = 'A & "B" <i>'
    rows = [queries.QueueRow(n, datetime(2026, 12, 6, 9 + n, 5, tzinfo=timezone.utc) if n % 4 else None, status.value,
                             f"{evil} {n}", f"Aufgabe <{n}>", "Modul & mehr", "Kohorte 'A'", evil if n % 2 else None,
                             n if n % 3 else None, bool(n % 2))
             for n, status in enumerate(list(SubmissionStatus) * 2, start=1)]
    filters = queries.QueueFilter(cohort_id=3, module_id=None, status="all")
    template = app.jinja_env.from_string(_TEMPLATE_ROW)
    for locale in ("de", "en"):
        with app.test_request_context("/bewertung"), force_locale(locale):
            texts = routes._filter_texts.__wrapped__(locale)
            prefix = routes._grade_url_prefix.__wrapped__("")
            link = (escape(prefix), escape("?" + current_app.jinja_env.filters["urlencode"](filters.as_args())))
            expected = []
            for row in rows:
                written = routes._queue_row_html(row, texts.row, link, datetime_formatter("short"))
                expected.append(template.render(submission=row, filters=filters, status_labels=texts.status_labels,
                                                status_classes=routes._STATUS_CLASSES, grade_url_prefix=prefix))
                assert written == expected[-1]
                assert evil not in written and "&amp; &#34;B&#34; &lt;i&gt;" in written and "Aufgabe <" not in written
                assert "status=all&amp;cohort=3" in written
            # the whole table body, each repeated text escaped once per view: as the template's loop wrote it
            assert routes._queue_rows_html(rows, texts.row, link, datetime_formatter("short")) == "".join(
                f"\n    <tr>\n      {cells}\n    </tr>\n  " for cells in expected)


def test_queue_rows_follow_the_viewers_language(app, db, trainer, learner):
    """The rows' words are translated once per language and kept (issue 17): a view in English
    after one in German shows the English ones."""
    hand_in(app, learner)
    browser = browser_for(app, trainer)
    german = browser.get("/bewertung").get_data(as_text=True)
    assert ">abgegeben</span>" in german and ">Bewerten<span" in german
    trainer.locale = "en"
    db.session.commit()
    english = browser.get("/bewertung").get_data(as_text=True)
    assert ">submitted</span>" in english and ">Grade<span" in english and "Bewerten" not in english
    # the status <select>, written once per language and status, follows too
    assert '<option selected value="open">Offen (abgegeben, in Prüfung)</option>' in german
    assert '<option selected value="open">Open (submitted, under review)</option>' in english


def test_the_queue_formats_times_as_the_datetime_filter(app):
    """The queue's rows format their times with the request's date context looked up once
    (templating.datetime_formatter, issue 17): the same text as the `datetime` filter, for each
    format, in German and English, for naive and aware times, dates and nothing."""
    from datetime import date, datetime, timedelta, timezone

    from flask_babel import force_locale

    from app.templating import datetime_filter, datetime_formatter

    values = [None, "", datetime(2026, 12, 6, 23, 59, 30, tzinfo=timezone.utc), datetime(2026, 3, 29, 1, 30),
              datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 12, 24)]
    for locale in ("de", "en"):
        with app.test_request_context("/bewertung"), force_locale(locale):
            for fmt in ("short", "medium", "long", "dd.MM.yyyy HH:mm", "HH:mm zzzz"):
                format_value = datetime_formatter(fmt)
                assert [format_value(v) for v in values] == [datetime_filter(v, fmt) for v in values], (locale, fmt)


def test_the_filter_fields_are_what_the_macro_writes(app):
    """The queue writes its filter's three <select>s itself (FilterSelect.field, issue 17): the
    HTML must be what macros.field wrote for them, escaping included."""
    from app.assignments.forms import FilterSelect

    template = app.jinja_env.from_string('{% from "macros.html" import field %}{{ field(f) }}')
    for selected in (None, "", "2", 'x<y"'):
        select = FilterSelect("cohort", 'Kohorte <&> "K"', [("", "Alle"), ("1", "Eins & <zwei>"), ("2", ""), ('x<y"', '"q"')], selected)
        with app.test_request_context("/bewertung"):
            assert select.field() == template.render(f=select)


def test_the_queue_badge_is_read_with_the_page_and_fresh_on_every_request(app, db, make, cohort, trainer, learner):
    """The queue reads the navigation badge's count with its rows (navigation.provide_badge, issue
    17): it counts every waiting hand-in of the trainer's cohorts whatever the filter, and a hand-in
    after a view shows on the next page, the queue or any other."""
    from tests.assignments.conftest import open_first_module

    second = make.enrolment(user=make.user("learner", name="Zoe Zweite"), cohort=cohort)
    open_first_module(db, second)
    hand_in(app, learner)
    browser = browser_for(app, trainer)
    assert 'class="badge">1<' in browser.get("/bewertung").get_data(as_text=True)
    assert 'class="badge">1<' in browser.get("/bewertung?status=passed").get_data(as_text=True)
    hand_in(app, second)
    assert 'class="badge">2<' in browser.get("/impressum").get_data(as_text=True)
    assert 'class="badge">2<' in browser.get(f"/bewertung?cohort={cohort.id}&status=failed").get_data(as_text=True)
