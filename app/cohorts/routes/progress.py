"""The cohort's progress matrix (filtered and sorted by the query string) and its CSV and XLSX
exports, which contain the rows the matrix shows."""
from __future__ import annotations

import functools
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from app import navigation
from app.cohorts import downloads, matrix
from app.cohorts.access import cohort_or_404
from app.cohorts.downloads import INACTIVE_DAYS
from app.cohorts.routes import STAFF, bp, status_labels
from app.exports.routes import offer
from app.i18n import locale_name
from app.security import role_required
from app.templating import date_formatter


@functools.lru_cache(maxsize=16)
def _texts(locale: str) -> SimpleNamespace:
    """The page's labels that do not depend on the cohort, in one language (translations do not change
    while a process runs): about twenty gettext calls per view otherwise (issue 17)."""
    labels = status_labels()
    return SimpleNamespace(
        status_labels=labels, escaped_status_labels={status: escape(label) for status, label in labels.items()},
        # formatted as _() in a template would format them (Markup: the translation is trusted, the
        # values escaped): the checkbox's label per row, the module's short name per column
        select_label=Markup(_("%(name)s auswählen")), select_around=_around_name(Markup(_("%(name)s auswählen"))),
        module_label=Markup(_("M%(n)d")),
        # the module cells' fixed words, trusted as a template trusts its translations
        cell_words=SimpleNamespace(
            lessons=Markup(_("Lekt.")), quiz=Markup(_("Test")), assignment=Markup(_("Aufg.")),
            module_done=Markup(_("Modul abgeschlossen")), state={"passed": Markup(_("bestanden")), "open": Markup(_("offen"))},
        ),
        # the sortable columns' headings and the marks of the sorted one, as the template's
        # sort_link wrote them (_sort_heads)
        sort_labels={"name": _as_template_writes(_("Name")), "municipality": _as_template_writes(_("Kommune")),
                     "status": _as_template_writes(_("Status")), "progress": _as_template_writes(_("Gesamt")),
                     "activity": _as_template_writes(_("Letzte Aktivität"))},
        sorted_marks={descending: Markup(f'<span aria-hidden="true">{"▼" if descending else "▲"}</span><span class="visually-hidden">'
                                         f'({_as_template_writes(_("absteigend sortiert") if descending else _("aufsteigend sortiert"))})</span>')
                      for descending in (False, True)},
        # the attendance and last-activity cells' words, as the template's _() returned them (trusted
        # translations, formatted with `%` where they take numbers)
        row_words=SimpleNamespace(
            present_of_held=Markup(_("%(present)d von %(held)d")), excused=Markup(_("%(n)d entschuldigt")),
            below_minimum=_as_template_writes(_("unter Mindestanwesenheit")), inactive=Markup(_("seit %(n)d Tagen inaktiv")),
        ),
    )


def _as_template_writes(translation: str) -> Markup:
    """A translation without variables as a template's _() returns it: trusted, `%%` as `%`."""
    return Markup(translation) % {} if "%" in translation else Markup(translation)


def _around_name(label: Markup) -> tuple[Markup, Markup] | tuple[None, None]:
    """The text before and after the name in the checkbox's label, exactly as `label % {"name": ...}`
    writes them, so that each row writes them around the (escaped) name instead of formatting the
    label — Markup's % is about 2.5 µs (issue 17). (None, None) for a translation that does not
    name the learner exactly once: it is formatted per row then."""
    parts = (label % {"name": "\x00"}).split("\x00")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, None)


def _rows_html(rows: list[matrix.Row], texts: SimpleNamespace, cells_html: dict, attendance: dict, min_attendance,
               inactive_before, now, format_date) -> Markup:
    """Each learner's table row, as the template's loop wrote it (whitespace included): the
    learner's own cells (_learner_html), the module cells (_cells_html), percent, attendance when
    sessions were held, and the last activity with the days since then for a learner inactive
    since `inactive_before` (as matrix.filter_rows counts). Written here because in the template
    each value went through escape() and each `_()` through gettext and Markup's `%` (issue 17:
    the last four cells alone measured 144 → 101 µs for 30 rows); here the translations come once
    per language (_texts), each distinct attendance summary's cell and each number of idle days
    are written once per view, and only the date text is escaped. `format_date`: the `date`
    filter (templating.date_formatter). One Markup for the table's body: one per row was escaped
    once more by the template."""
    words = texts.row_words
    presence_cells: dict = {}  # attendance summary → its cell
    idle_texts: dict[int, str] = {}  # days → the text after the date
    lines = []
    for row in rows:
        learner = row.learner
        presence = attendance[learner.enrolment_id]
        presence_cell = presence_cells.get(presence)
        if presence_cell is None:
            presence_cell = presence_cells[presence] = _presence_html(presence, min_attendance, words)
        idle = ""
        if row.last_activity <= inactive_before:
            days = row.inactive_days(now)
            idle = idle_texts.get(days)
            if idle is None:
                idle = idle_texts[days] = f'<br><span class="status status-locked">{words.inactive % {"n": days}}</span>'
        lines.append(
            f"\n  \n  <tr>\n    {_learner_html(learner, texts)}\n    {cells_html[row.cells]}\n    <td>{row.percent} %</td>\n    \n"
            f'    <td class="attendance-cell">{presence_cell}</td>\n    <td>{escape(format_date(row.last_activity))}{idle}</td>\n  </tr>\n  '
        )
    return Markup("".join(lines))


def _presence_html(presence, min_attendance, words: SimpleNamespace) -> str:
    """The attendance cell's content: percent, present of held, excused, below the minimum; a dash
    when no session was held."""
    if not presence.held:
        return "–"
    excused = f", {words.excused % {'n': presence.excused}}" if presence.excused else ""
    below = f'<br><span class="status status-locked">{words.below_minimum}</span>' if not presence.meets(min_attendance) else ""
    held = words.present_of_held % {"present": presence.present, "held": presence.held}
    return f'{presence.percent} %<br><span class="meta">{held}{excused}</span>{below}'


def _learner_html(learner: matrix.Learner, texts: SimpleNamespace) -> str:
    """A row's first four cells — checkbox, name and e-mail, municipality, status — as the template
    wrote them. Written here because in the template each of their nine values went through
    escape() and came back as a new Markup, numbers and trusted labels included; here the three
    texts the learner entered are escaped (the name once for both places), the id is a number and
    the checkbox label and status were translated and escaped once per language (issue 17)."""
    name = escape(learner.name)
    before, after = texts.select_around
    label = texts.select_label % {"name": learner.name} if before is None else f"{before}{name}{after}"
    disabled = " disabled" if learner.status in ("withdrawn", "completed") else ""
    return (
        f'<td><input type="checkbox" name="e" value="{learner.enrolment_id}" id="select-{learner.enrolment_id}" aria-label="{label}"{disabled}></td>\n'
        f'    <th scope="row">{name}<br><span class="meta">{escape(learner.email)}</span></th>\n'
        f"    <td>{escape(learner.municipality or '–')}</td>\n"
        f"    <td>{texts.escaped_status_labels.get(learner.status, '')}</td>"
    )


def _cell_html(cell: matrix.Cell, words: SimpleNamespace) -> str:
    """One module cell of a learner's row: counts and fixed words (the quiz score escaped all the same)."""
    quiz = assignment = done = ""
    if cell.quiz:
        score = f" ({escape(cell.quiz_score)} %)" if cell.quiz_score else ""
        quiz = f"<br><span>{words.quiz}: {words.state[cell.quiz]}{score}</span>"
    if cell.assignment:
        assignment = f"<br><span>{words.assignment}: {words.state[cell.assignment]}</span>"
    if cell.module_done:
        done = f"<br><strong>{words.module_done}</strong>"
    return (f'<td class="matrix-cell{" cell-done" if cell.module_done else ""}">\n'
            f"      <span>{words.lessons} {cell.lessons_done}/{cell.lessons_total}</span>\n"
            f"      {quiz}\n      {assignment}\n      {done}\n    </td>")


def _cells_html(rows: list[matrix.Row], words: SimpleNamespace) -> dict[tuple, Markup]:
    """Each distinct row of module cells on the page, as HTML keyed by the cells. Most cells and rows
    of cells of a cohort look alike (the same counts), so each is rendered once per view; in Python,
    because the template's macro for them was a quarter of the page's rendering (issue 17)."""
    cells: dict[matrix.Cell, str] = {}
    rows_of_cells: dict[tuple, Markup] = {}
    for row in rows:
        if row.cells not in rows_of_cells:
            for cell in row.cells:
                if cell not in cells:
                    cells[cell] = _cell_html(cell, words)
            rows_of_cells[row.cells] = Markup("".join(f"\n    {cells[cell]}\n    " for cell in row.cells))
    return rows_of_cells


def _columns_html(columns: list[matrix.ModuleColumn], totals: matrix.Totals, module_label: Markup) -> SimpleNamespace:
    """The three places that show one entry per module, as the template's loops wrote them: the
    head's short names with the title, the foot's totals, the legend (issue 17: three loops with
    two escapes and a Markup `%` per module)."""
    head, legend = [], []
    for column in columns:
        title, short = escape(column.title), module_label % {"n": column.position}
        head.append(f'<th scope="col"><abbr title="{title}">{short}</abbr></th>')
        legend.append(f"<li>{short}: {title}</li>")
    foot = "".join([f"<td>{done} / {passed}</td>" for done, passed in zip(totals.modules_done, totals.quizzes_passed)])
    return SimpleNamespace(head=Markup("".join(head)), foot=Markup(foot), legend=Markup("".join(legend)))


def _sort_heads(links: SimpleNamespace, texts: SimpleNamespace, sort: str, descending: bool) -> dict[str, Markup]:
    """Each sortable column's heading — its sort link, and for the sorted column the order's marks
    — as the template's sort_link macro wrote it (five macro calls a view; issue 17)."""
    return {key: Markup(f'<a href="{escape(links.sort[key])}">{label}</a>' + (f" {texts.sorted_marks[descending]}" if key == sort else ""))
            for key, label in texts.sort_labels.items()}


def _links(cohort_id: int, sort: str, descending: bool, only_inactive: bool, status: str, only_waiting: bool) -> SimpleNamespace:
    """The sort links of the table's head and the two export links, keeping the page's filters: one
    url_for per endpoint and the query strings joined on, as url_for encodes them (Werkzeug: the
    arguments in the order given, None left out, the same safe characters), instead of seven url_for
    and five macro calls per view (issue 17)."""
    def query(*arguments: tuple[str, object]) -> str:
        return urlencode([(k, v) for k, v in arguments if v is not None], safe="!$'()*,/:;?@")

    kept = query(("filter", "inactive" if only_inactive else None), ("status", status or None), ("waiting", 1 if only_waiting else None))
    kept = "&" + kept if kept else ""
    page = url_for("cohorts.progress", cohort_id=cohort_id)
    export_query = "?" + query(("sort", sort), ("order", "desc" if descending else "asc")) + kept
    return SimpleNamespace(
        # the sort keys and orders are plain words (nothing to encode); the active column's link turns
        # the order round, every other column's starts ascending
        sort={key: f"{page}?sort={key}&order={'desc' if key == sort and not descending else 'asc'}{kept}" for key in matrix.SORT_KEYS},
        xlsx=url_for("cohorts.export_xlsx", cohort_id=cohort_id) + export_query,
        csv=url_for("cohorts.export_csv", cohort_id=cohort_id) + export_query,
    )


@bp.get("/kohorten/<int:cohort_id>/matrix")
@role_required(*STAFF)
def progress(cohort_id: int):
    # the cohort through the access rule, the matrix and the navigation badge's count: two
    # statements (issue 17)
    read = downloads.page_view(current_user._get_current_object(), cohort_id, request.args)
    if read is None:
        abort(404)
    page, (columns, rows, shown, now, sort, descending, only_inactive, attendance) = read
    cohort = page.cohort  # id, name, course_id, course_completion
    navigation.provide_badge("assignments.queue", page.waiting)
    from app.sessions.attendance import minimum_attendance

    status, only_waiting = request.args.get("status", ""), bool(request.args.get("waiting"))
    texts = _texts(locale_name())  # str(get_locale()), looked up once per request
    # inactive: last activity at least INACTIVE_DAYS ago (as matrix.filter_rows), one comparison per row
    inactive_before = now - timedelta(days=INACTIVE_DAYS)
    min_attendance = minimum_attendance(cohort.course_completion)
    totals = matrix.totals(shown, columns, now, INACTIVE_DAYS)
    links = _links(cohort.id, sort, descending, only_inactive, status, only_waiting)
    return render_template(
        "cohorts/matrix.html", cohort=cohort, columns=columns, rows=shown, totals=totals,
        columns_html=_columns_html(columns, totals, texts.module_label),
        all_count=len(rows), sort=sort, descending=descending, only_inactive=only_inactive,
        status_labels=texts.status_labels, status=status, only_waiting=only_waiting, inactive_days=INACTIVE_DAYS,
        rows_html=_rows_html(shown, texts, _cells_html(shown, texts.cell_words), attendance, min_attendance, inactive_before, now,
                             date_formatter()),
        links=links, sort_heads=_sort_heads(links, texts, sort, descending),
        min_attendance=min_attendance,
    )


def _export(cohort_id: int, fmt: str):
    """The rows the matrix shows (same filters and order); a large cohort's file is prepared in
    the background (app/exports)."""
    cohort = cohort_or_404(current_user, cohort_id)
    return offer(downloads.KIND, downloads.params_of(cohort, fmt, request.args), downloads.title(cohort, fmt),
                 estimate=downloads.row_estimate(cohort))


@bp.route("/kohorten/<int:cohort_id>/matrix.csv", methods=["GET", "POST"])
@role_required(*STAFF)
def export_csv(cohort_id: int):
    return _export(cohort_id, "csv")


@bp.route("/kohorten/<int:cohort_id>/matrix.xlsx", methods=["GET", "POST"])
@role_required(*STAFF)
def export_xlsx(cohort_id: int):
    return _export(cohort_id, "xlsx")
