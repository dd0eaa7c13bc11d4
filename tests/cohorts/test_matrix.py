"""The progress matrix: built from stored progress in a fixed number of queries; exports."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from app.catalogue.models import Module
from app.cohorts import queries
from app.db import utcnow
from app.progress.models import ItemType, ProgressItem
from app.progress.services import complete_item


def first_module(db) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))


def finish_first_module(db, enrolment) -> None:
    module = first_module(db)
    for lesson in module.lessons:
        complete_item(enrolment, ItemType.LESSON, lesson.id, module)
    for quiz in module.quizzes:
        complete_item(enrolment, ItemType.QUIZ, quiz.id, module, detail="87.5")


@pytest.fixture()
def learners(make, db, cohort):
    jorg = make.enrolment(user=make.user("learner", name="Jörg Müßig"), cohort=cohort)
    jorg.user.municipality = "Fürstenwalde/Spree"
    finish_first_module(db, jorg)
    anna = make.enrolment(user=make.user("learner", name="Anna Ölberg"), cohort=cohort)
    module = first_module(db)
    complete_item(anna, ItemType.LESSON, module.lessons[0].id, module)
    idle = make.enrolment(user=make.user("learner", name="Ida Idle"), cohort=cohort)
    idle.enrolled_at = utcnow() - timedelta(days=30)
    db.session.flush()
    return jorg, anna, idle


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def test_matrix_cells_come_from_stored_progress(db, cohort, learners):
    jorg, anna, idle = learners
    columns, rows = queries.progress_matrix(cohort)
    by_name = {r.learner.name: r for r in rows}
    assert [c.position for c in columns] == [1, 2]
    cell = by_name["Jörg Müßig"].cells[0]
    assert (cell.lessons_done, cell.lessons_total, cell.quiz, cell.quiz_score, cell.module_done) == (2, 2, "passed", "87.5", True)
    assert by_name["Jörg Müßig"].cells[1].assignment == "open"
    assert by_name["Anna Ölberg"].cells[0].lessons_done == 1 and by_name["Anna Ölberg"].cells[0].quiz == "open"
    assert by_name["Ida Idle"].percent == 0


def test_matrix_needs_the_same_few_queries_for_3_or_30_learners(db, make, cohort, learners):
    db.session.expire_all()
    cohort.course_id  # reload the cohort itself outside the count
    with QueryCounter(db.engine) as few:
        queries.progress_matrix(cohort)
    for n in range(27):
        enrolment = make.enrolment(cohort=cohort)
        if n % 3 == 0:
            finish_first_module(db, enrolment)
    db.session.expire_all()
    cohort.course_id
    with QueryCounter(db.engine) as many:
        columns, rows = queries.progress_matrix(cohort)
    assert len(rows) == 30
    assert many.count == few.count <= 2


def test_matrix_attendance_is_what_the_sessions_plain_reading_gives(db, make, cohort, learners, trainer):
    """The page reads held sessions and attendances in the union with the columns and stored items
    (issue 17): each learner's summary must be what sessions.queries.cohort_attendance gives — held
    sessions only, one with no record at all counted, learners without any record included — and
    the statements must not grow with them."""
    from app.sessions import queries as sessions
    from app.sessions import services
    from app.sessions.models import AttendanceStatus
    from tests.sessions.conftest import add_session, past_session

    jorg, anna, idle = learners
    now = utcnow()
    expected = sessions.cohort_attendance(cohort, now)
    with QueryCounter(db.engine) as none_held:
        assert queries.matrix_page(cohort, now)[2] == expected
    first, second, _unrecorded = (past_session(cohort, days_ago=d, title=f"W{d}") for d in (3, 2, 1))
    upcoming = add_session(cohort, starts_at=now + timedelta(days=2), title="later")
    services.record_attendance(first, {jorg.id: AttendanceStatus.PRESENT, anna.id: AttendanceStatus.EXCUSED}, trainer)
    services.record_attendance(second, {jorg.id: AttendanceStatus.ABSENT}, trainer)
    services.record_attendance(upcoming, {anna.id: AttendanceStatus.PRESENT}, trainer, now=now + timedelta(days=3))
    db.session.flush()
    expected = sessions.cohort_attendance(cohort, now)
    assert (expected[jorg.id].held, expected[jorg.id].present, expected[anna.id].excused, expected[idle.id].held) == (3, 1, 1, 3)
    with QueryCounter(db.engine) as held:
        assert queries.matrix_page(cohort, now)[2] == expected
    assert held.count == none_held.count <= 2
    with QueryCounter(db.engine) as page:
        assert queries.matrix_page_for(trainer, cohort.id, now).attendance == expected
    assert page.count == 2


def test_the_matrix_page_reads_what_its_parts_read(db, make, cohort, learners, trainer):
    """The matrix page reads its cohort (through the access rule) and the navigation badge's count
    in the union with the columns, stored items and sessions (queries.matrix_page_for, issue 17):
    columns, rows and attendance as matrix_page gives them, the count as waiting_count — for a
    trainer (whose own hand-ins do not count) and an admin — in two statements for 3 or 30 learners."""
    from app.assignments.models import Submission, SubmissionStatus
    from app.assignments.queries import waiting_count

    jorg, anna, idle = learners
    second = [a for m in db.session.scalars(select(Module).where(Module.course_id == cohort.course_id)) for a in m.assignments][0]
    own = make.enrolment(user=trainer, cohort=make.cohort(trainers=[trainer], name="Eigene"))
    for enrolment, status in ((jorg, SubmissionStatus.SUBMITTED), (anna, SubmissionStatus.IN_REVIEW), (idle, SubmissionStatus.PASSED),
                              (own, SubmissionStatus.SUBMITTED)):
        db.session.add(Submission(enrolment_id=enrolment.id, assignment_id=second.id, status=status, draft_text="", submitted_at=utcnow()))
    db.session.flush()
    admin = make.user("admin")
    now = utcnow()
    for n in (0, 27):
        for _ in range(n):
            make.enrolment(cohort=cohort)
        db.session.flush()
        for user in (trainer, admin):
            with QueryCounter(db.engine) as counted:
                page = queries.matrix_page_for(user, cohort.id, now)
            assert counted.count == 2
            assert (page.columns, page.rows, page.attendance) == queries.matrix_page(cohort, now)
            assert tuple(page.cohort) == (cohort.id, cohort.name, cohort.course_id, cohort.course.completion)
            assert page.waiting == waiting_count(user) == (2 if user is trainer else 3)
            assert len(page.rows) == 3 + n


def test_the_matrix_badge_is_read_with_the_page_and_fresh_on_every_request(db, make, trainer_browser, cohort, learners):
    """The matrix hands the badge's count it read to the navigation for its own request only."""
    from app.assignments.models import Submission, SubmissionStatus

    jorg, anna, _idle = learners
    second = [a for m in db.session.scalars(select(Module).where(Module.course_id == cohort.course_id)) for a in m.assignments][0]
    db.session.add(Submission(enrolment_id=jorg.id, assignment_id=second.id, status=SubmissionStatus.SUBMITTED, draft_text="",
                              submitted_at=utcnow()))
    db.session.commit()
    assert 'class="badge">1<' in trainer_browser.get(f"/kohorten/{cohort.id}/matrix").get_data(as_text=True)
    db.session.add(Submission(enrolment_id=anna.id, assignment_id=second.id, status=SubmissionStatus.IN_REVIEW, draft_text="",
                              submitted_at=utcnow()))
    db.session.commit()
    assert 'class="badge">2<' in trainer_browser.get("/kohorten").get_data(as_text=True)
    assert 'class="badge">2<' in trainer_browser.get(f"/kohorten/{cohort.id}/matrix?filter=inactive").get_data(as_text=True)


def test_matrix_columns_count_active_lessons_quizzes_and_required_assignments_only(db):
    """The column query reads the three kinds of item in one statement (issue 17); what counts stays."""
    module = first_module(db)
    columns = {c.id: c for c in queries.module_columns(module.course_id)}
    assert columns[module.id].lesson_ids == {lesson.id for lesson in module.lessons}
    assert columns[module.id].quiz_ids == {quiz.id for quiz in module.quizzes}
    second = db.session.scalar(select(Module).where(Module.course_id == module.course_id, Module.id != module.id))
    [assignment] = second.assignments
    assert columns[second.id].assignment_ids == {assignment.id}
    module.lessons[0].archived_at = utcnow()
    assignment.settings = {**(assignment.settings or {}), "required": False}
    db.session.flush()
    columns = {c.id: c for c in queries.module_columns(module.course_id)}
    assert columns[module.id].lesson_ids == {lesson.id for lesson in module.lessons[1:]}
    assert columns[module.id].quiz_ids and columns[second.id].assignment_ids == frozenset()


def test_each_row_shows_its_own_cells(db, make, trainer_browser, cohort, learners):
    """The page renders each distinct cell and row of cells once and reuses it (issue 17): every
    learner's row must still show that learner's cells — down to a different quiz score."""
    jorg, anna, idle = learners
    twin = make.enrolment(user=make.user("learner", name="Tina Twin"), cohort=cohort)  # cells like Jörg's
    finish_first_module(db, twin)
    other = make.enrolment(user=make.user("learner", name="Otto Other"), cohort=cohort)  # like Jörg's, but 50 %
    module = first_module(db)
    for lesson in module.lessons:
        complete_item(other, ItemType.LESSON, lesson.id, module)
    for quiz in module.quizzes:
        complete_item(other, ItemType.QUIZ, quiz.id, module, detail="50")
    db.session.flush()
    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix").get_data(as_text=True)
    rows = {re.search(r'<th scope="row">([^<]+)<', row).group(1): row for row in page.split("<tr>") if '<th scope="row">' in row}

    def first_cell(name):
        return re.search(r'<td class="matrix-cell[^"]*">(.*?)</td>', rows[name], re.S).group(1).split()

    assert first_cell("Jörg Müßig") == first_cell("Tina Twin") == ["<span>Lekt.", "2/2</span>", "<br><span>Test:", "bestanden",
                                                                  "(87.5", "%)</span>", "<br><strong>Modul", "abgeschlossen</strong>"]
    assert first_cell("Otto Other")[4] == "(50"
    assert first_cell("Anna Ölberg")[:4] == ["<span>Lekt.", "1/2</span>", "<br><span>Test:", "offen</span>"]
    assert first_cell("Ida Idle")[:2] == ["<span>Lekt.", "0/2</span>"]
    assert rows["Jörg Müßig"].split("</th>")[1] != rows["Otto Other"].split("</th>")[1]
    for name, row in rows.items():  # the checkbox and name belong to the row's own learner
        assert f'aria-label="{name} auswählen"' in row


def test_matrix_page_sorts_and_filters_inactive(trainer_browser, cohort, learners):
    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix?sort=progress&order=desc").get_data(as_text=True)
    assert page.index("Jörg Müßig") < page.index("Anna Ölberg") < page.index("Ida Idle")
    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix?sort=name").get_data(as_text=True)
    assert page.index("Anna Ölberg") < page.index("Ida Idle") < page.index("Jörg Müßig")
    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix?filter=inactive").get_data(as_text=True)
    assert "Ida Idle" in page and "Jörg Müßig" not in page and "Anna Ölberg" not in page
    assert "seit 30 Tagen inaktiv" in page


def test_inactivity_counts_from_the_last_completed_item(db, trainer_browser, cohort, learners):
    jorg, anna, idle = learners
    for item in db.session.scalars(select(ProgressItem).where(ProgressItem.enrolment_id == jorg.id)):
        item.completed_at = utcnow() - timedelta(days=20)
    jorg.enrolled_at = utcnow() - timedelta(days=40)
    db.session.flush()
    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix?filter=inactive").get_data(as_text=True)
    assert "Jörg Müßig" in page and "seit 20 Tagen inaktiv" in page


def test_xlsx_export_opens_with_openpyxl(trainer_browser, cohort, learners, tmp_path):
    response = trainer_browser.get(f"/kohorten/{cohort.id}/matrix.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "matrix.xlsx"
    path.write_bytes(response.data)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Name", "E-Mail", "Kommune", "Kreis", "Status")
    assert len(rows) == 4
    jorg = next(r for r in rows if r[0] == "Jörg Müßig")
    assert jorg[2] == "Fürstenwalde/Spree" and jorg[5] == "2/2" and jorg[6] == "bestanden (87.5 %)"


def test_csv_export_has_bom_and_keeps_umlauts(trainer_browser, cohort, learners):
    response = trainer_browser.get(f"/kohorten/{cohort.id}/matrix.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Name;E-Mail;Kommune;Kreis;Status;")
    assert "Jörg Müßig" in text and "Fürstenwalde/Spree" in text and "Ölberg" in text


def test_exported_formulas_are_neutralised(db, make, trainer_browser, cohort):
    make.enrolment(user=make.user("learner", name='=HYPERLINK("http://evil.example","Klick")'), cohort=cohort)
    text = trainer_browser.get(f"/kohorten/{cohort.id}/matrix.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_matrix_filters_learners_whose_submission_waits_for_grading(db, trainer_browser, cohort, learners):
    from sqlalchemy import select

    from app.assignments import services as assignments
    from app.catalogue.models import Assignment

    assignment = db.session.scalar(select(Assignment).join(Module).where(Module.slug == "02-abschluss"))
    anna = next(e for e in learners if e.user.name == "Anna Ölberg")
    submission = assignments.get_or_create_submission(anna, assignment)
    assignments.save_draft(submission, "Unser Projekt")
    assignments.hand_in(submission)
    db.session.commit()
    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix?waiting=1").get_data(as_text=True)
    assert "Anna Ölberg" in page and "Jörg Müßig" not in page and "Ida Idle" not in page
    assert 'id="filter-waiting" name="waiting" value="1" checked' in page
    # sorting keeps the filter
    sort_links = re.findall(r'<th scope="col"><a href="([^"]+)"', page)
    assert sort_links and all("waiting=1" in link for link in sort_links)


def test_the_checkbox_label_escapes_the_name(db, make, trainer_browser, cohort):
    """The per-row label is translated once and formatted in the template (issue 17): the
    learner's name is still escaped, in both languages."""
    make.enrolment(user=make.user("learner", name='Eve "<b>" & Co'), cohort=cohort)
    db.session.flush()
    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix").get_data(as_text=True)
    assert 'aria-label="Eve &#34;&lt;b&gt;&#34; &amp; Co auswählen"' in page
    assert '"<b>"' not in page


@pytest.mark.parametrize("label", ["%(name)s auswählen", "Select %(name)s", "100 %% für %(name)s", "%(name)s oder %(name)s", "Auswählen"])
def test_the_checkbox_label_around_the_name_is_what_formatting_writes(label):
    """Each row writes the label's text before and after the name instead of formatting it (issue
    17): for any translation the result must be `label % {"name": ...}` — one that does not name the
    learner exactly once is formatted as before — and the name and e-mail escaped."""
    from types import SimpleNamespace

    from markupsafe import Markup

    from app.cohorts.matrix import Learner
    from app.cohorts.routes.progress import _around_name, _learner_html

    learner = Learner(7, 8, 'Eve "<b>" & Co', "eve@<x>.example", "", None, "withdrawn", utcnow(), 0, 0)
    texts = SimpleNamespace(select_label=Markup(label), select_around=_around_name(Markup(label)),
                            escaped_status_labels={"withdrawn": Markup("zurückgezogen")})
    html = _learner_html(learner, texts)
    assert f'aria-label="{Markup(label) % {"name": learner.name}}" disabled>' in html
    assert '<span class="meta">eve@&lt;x&gt;.example</span>' in html and "<td>–</td>" in html and "<td>zurückgezogen</td>" in html
    assert (texts.select_around[0] is None) == (label.count("%(name)s") != 1)


@pytest.mark.parametrize("query", ["", "?sort=progress&order=desc&filter=inactive&status=active&waiting=1", "?sort=bogus&status=<x>&order=x"])
def test_sort_and_export_links_are_those_url_for_builds(app, db, trainer_browser, cohort, learners, query):
    """The links are one url_for per endpoint and the query strings joined on (issue 17): the same
    hrefs as url_for with every argument, for each filter and sort."""
    from urllib.parse import parse_qs, urlsplit

    from flask import url_for
    from markupsafe import escape

    page = trainer_browser.get(f"/kohorten/{cohort.id}/matrix{query}").get_data(as_text=True)
    args = {k: v[0] for k, v in parse_qs(urlsplit(query).query).items()}
    sort, descending = args.get("sort") or "name", args.get("order") == "desc"
    kept = dict(filter="inactive" if args.get("filter") == "inactive" else None, status=args.get("status") or None,
                waiting=1 if args.get("waiting") else None)
    with app.test_request_context():
        expected = [url_for("cohorts.progress", cohort_id=cohort.id, sort=key,
                            order="desc" if key == sort and not descending else "asc", **kept)
                    for key in ("name", "municipality", "status", "progress", "activity")]
        exports = [url_for(f"cohorts.export_{fmt}", cohort_id=cohort.id, sort=sort, order="desc" if descending else "asc", **kept)
                   for fmt in ("xlsx", "csv")]
    assert re.findall(r'<th scope="col"><a href="([^"]+)"', page) == [str(escape(href)) for href in expected]
    assert re.findall(r'<a class="button secondary" href="([^"]+)"', page) == [str(escape(href)) for href in exports]


def test_labels_follow_the_viewers_language(db, trainer, trainer_browser, cohort, learners):
    """The page's fixed labels are translated once per language and kept (issue 17): a view in
    English after one in German shows the English ones."""
    german = trainer_browser.get(f"/kohorten/{cohort.id}/matrix").get_data(as_text=True)
    assert "<td>aktiv</td>" in german and "Jörg Müßig auswählen" in german
    trainer.locale = "en"
    db.session.commit()
    english = trainer_browser.get(f"/kohorten/{cohort.id}/matrix").get_data(as_text=True)
    assert "<td>active</td>" in english and "Select Jörg Müßig" in english and "<td>aktiv</td>" not in english
    # the sort headings, written once per language
    assert ">Gesamt</a>" in german and "(aufsteigend sortiert)" in german
    assert ">Total</a>" in english and "(sorted in ascending order)" in english and "Gesamt" not in english


# A learner's row as matrix.html's loop wrote it before the rows moved to progress._rows_html (issue 17).
_TEMPLATE_ROWS = """{% for learner, cells, percent, presence, last_activity, inactive_days in lines %}
  {# one row per learner #}
  <tr>
    {{ learner }}
    {{ cells }}
    <td>{{ percent }} %</td>
    {# attendance #}
    <td class="attendance-cell">{% if presence %}{{ presence.percent }} %<br><span class="meta">{{ _("%(present)d von %(held)d", present=presence.present, held=presence.held) }}{% if presence.excused %}, {{ _("%(n)d entschuldigt", n=presence.excused) }}{% endif %}</span>{% if not presence.meets(min_attendance) %}<br><span class="status status-locked">{{ _("unter Mindestanwesenheit") }}</span>{% endif %}{% else %}–{% endif %}</td>
    <td>{{ last_activity | date }}{% if inactive_days is not none %}<br><span class="status status-locked">{{ _("seit %(n)d Tagen inaktiv", n=inactive_days) }}</span>{% endif %}</td>
  </tr>
  {% endfor %}"""


def test_matrix_rows_are_written_as_the_template_wrote_them(app):
    """Each learner's whole row is written in Python (progress._rows_html, issue 17): with and
    without held sessions, excused absences, a minimum missed or met or none, idle and active
    learners, names with markup, in German and English, the HTML must be what the template wrote."""
    from datetime import datetime, timezone

    from flask_babel import force_locale
    from markupsafe import Markup

    from app.cohorts import matrix
    from app.cohorts.routes import progress
    from app.sessions.attendance import Summary
    from app.templating import date_formatter

    now = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
    columns = [matrix.ModuleColumn(1, 1, "M <1>", frozenset({1, 2}), frozenset({3}), frozenset({4}))]
    learners = [matrix.new_learner((n, 100 + n, f'Eve "<b>" & {n}', f"e{n}@example.org", "Stadt <A> & B" if n % 2 else "",
                                    None, status, now - timedelta(days=3 * n, hours=n), n, 10, now - timedelta(days=2 * n) if n % 3 else None))
                for n, status in enumerate(["active", "invited", "completed", "withdrawn"] * 3)]
    done = {0: ({1}, {3: "87.5"}, {4}, {1}), 5: ({1, 2}, {3: "<b>&"}, set(), set())}
    rows = matrix.build_rows(columns, learners, done)
    summaries = [Summary(0), Summary(3, 2, 1, 0), Summary(4, 1, 0, 3), Summary(2, 2), Summary(5, 0, 2, 1)]
    attendance = {learner.enrolment_id: summaries[n % len(summaries)] for n, learner in enumerate(learners)}
    inactive_before = now - timedelta(days=14)
    template = app.jinja_env.from_string(_TEMPLATE_ROWS)
    for locale in ("de", "en"):
        with app.test_request_context("/kohorten/1/matrix"), force_locale(locale):
            texts = progress._texts.__wrapped__(locale)
            cells = progress._cells_html(rows, texts.cell_words)
            for minimum in (None, 80.0, 50):
                lines = [(Markup(progress._learner_html(r.learner, texts)), cells[r.cells], r.percent,
                          attendance[r.learner.enrolment_id] if attendance[r.learner.enrolment_id].held else None,
                          r.last_activity, r.inactive_days(now) if r.last_activity <= inactive_before else None) for r in rows]
                written = progress._rows_html(rows, texts, cells, attendance, minimum, inactive_before, now, date_formatter())
                assert written == template.render(lines=lines, min_attendance=minimum), (locale, minimum)
                assert '"<b>"' not in written and "Stadt <A>" not in written


def test_the_matrix_formats_dates_as_the_date_filter(app):
    """The rows' last activity goes through templating.date_formatter: the `date` filter's text."""
    from datetime import date, datetime, timezone

    from flask_babel import force_locale

    from app.templating import date_filter, date_formatter

    values = [None, datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc), datetime(2026, 3, 29, 0, 30), date(2026, 12, 24)]
    for locale in ("de", "en"):
        with app.test_request_context("/"), force_locale(locale):
            for fmt in ("short", "medium", "long", "full", "dd.MM.yyyy", "EEEE, d. MMMM"):
                format_value = date_formatter(fmt)
                assert [format_value(v) for v in values] == [date_filter(v, fmt) for v in values], (locale, fmt)


def test_the_module_columns_are_written_as_the_template_wrote_them(app):
    """The head's short names, the foot's totals and the legend are written in Python
    (progress._columns_html, issue 17): as the template's three loops wrote them, titles escaped."""
    from flask_babel import force_locale

    from app.cohorts import matrix
    from app.cohorts.routes import progress

    columns = [matrix.ModuleColumn(n, n + 1, title, frozenset(), frozenset(), frozenset())
               for n, title in enumerate(["Grundlagen", 'Daten & "Plattformen" <neu>', "100 % Praxis"])]
    totals = matrix.Totals(learners=5, modules_done=[3, 0, 12], quizzes_passed=[4, 1, 0])
    template = app.jinja_env.from_string(
        """{% for column in columns %}<th scope="col"><abbr title="{{ column.title }}">{{ module_label % {'n': column.position} }}</abbr></th>{% endfor %}|"""
        """{% for column in columns %}<td>{{ totals.modules_done[loop.index0] }} / {{ totals.quizzes_passed[loop.index0] }}</td>{% endfor %}|"""
        """{% for column in columns %}<li>{{ module_label % {'n': column.position} }}: {{ column.title }}</li>{% endfor %}""")
    for locale in ("de", "en"):
        with app.test_request_context("/"), force_locale(locale):
            label = progress._texts.__wrapped__(locale).module_label
            written = progress._columns_html(columns, totals, label)
            assert f"{written.head}|{written.foot}|{written.legend}" == template.render(columns=columns, totals=totals, module_label=label)
            assert "<neu>" not in written.head and "<neu>" not in written.legend


def test_the_sort_headings_are_what_the_macro_wrote(app):
    """The sortable columns' headings are written once per view (progress._sort_heads, issue 17):
    for every sort key, a bogus one and both orders, in German and English, what the template's
    sort_link macro wrote, the link escaped."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from app.cohorts import matrix
    from app.cohorts.routes import progress

    template = app.jinja_env.from_string(
        """{% macro sort_link(key, label) -%}
<a href="{{ links.sort[key] }}">{{ label }}</a>
{%- if sort == key %} <span aria-hidden="true">{{ '▼' if descending else '▲' }}</span><span class="visually-hidden">({{ _("absteigend sortiert") if descending else _("aufsteigend sortiert") }})</span>{% endif -%}
{%- endmacro %}"""
        """{{ sort_link('name', _("Name")) }}|{{ sort_link('municipality', _("Kommune")) }}|{{ sort_link('status', _("Status")) }}|"""
        """{{ sort_link('progress', _("Gesamt")) }}|{{ sort_link('activity', _("Letzte Aktivität")) }}""")
    links = SimpleNamespace(sort={key: f"/kohorten/1/matrix?sort={key}&order=asc&status=<x>" for key in matrix.SORT_KEYS})
    for locale in ("de", "en"):
        with app.test_request_context("/"), force_locale(locale):
            texts = progress._texts.__wrapped__(locale)
            for sort in (*matrix.SORT_KEYS, "bogus"):
                for descending in (False, True):
                    heads = progress._sort_heads(links, texts, sort, descending)
                    assert "|".join(heads[key] for key in matrix.SORT_KEYS) == template.render(
                        links=links, sort=sort, descending=descending), (locale, sort, descending)
