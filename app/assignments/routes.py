"""Assignment pages: the learner's submission page, the trainers' queue and grading page,
file downloads and the ZIP export."""
from __future__ import annotations

import functools
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select

from app import navigation
from app.assignments import downloads, queries, services
from app.assignments.access import can_download_file, can_grade, can_grade_cohort
from app.assignments.forms import FilterSelect, SubmissionForm, grading_form_class
from app.assignments.models import Decision, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion
from app.files import StorageUnavailable, get_store
from app.files.download import send_stored_file
from app.i18n import locale_name
from app.catalogue.markdown import render_user_markdown
from app.catalogue.models import Assignment
from app.cohorts.models import Cohort
from app.db import begin_writes, read_before_writing
from app.errors import DomainError
from app.exports.routes import offer
from app.extensions import db
from app.learning.access import allowed_or_403, locked_reason, outline_module_or_404
from app.learning.fragments import assignment_parts
from app.templating import datetime_formatter

bp = Blueprint("assignments", __name__)
navigation.register("assignments.queue", lambda: _("Bewertung"), {"trainer", "admin"}, order=30, badge=queries.waiting_count)


@bp.app_template_filter("user_markdown")
def user_markdown(text: str) -> Markup:
    """Learners' Markdown, rendered with raw HTML off (markdown-it escapes it)."""
    return render_user_markdown(text)


@bp.app_template_global()
def assignment_submission(enrolment, assignment) -> Submission | None:
    return services.submission_for(enrolment, assignment) if enrolment else None


@bp.app_template_global()
def submission_status_label(status: SubmissionStatus) -> str:
    return services.status_label(status)


@bp.app_template_global()
def decision_label(decision: Decision) -> str:
    return services.decision_label(decision)


# ---------------------------------------------------------------- learners

def _assignment_context(course_slug: str, module_slug: str, assignment_slug: str):
    # the course's version and the enrolment (release dates, progress) as plain rows in one
    # statement; course, module and assignment (instructions, settings, rubric) from the outline
    # of that version (app.learning.outline). Saving and handing in write through the submission
    # (an ORM object), which needs only the enrolment's and the assignment's ids.
    course, module, enrolment = outline_module_or_404(course_slug, module_slug, current_user)
    assignment = next((a for a in module.assignments if a.slug == assignment_slug and a.archived_at is None), None)
    if assignment is None:
        abort(404)
    return course, module, assignment, allowed_or_403(current_user, course, enrolment)


_SUBMISSION = select(Submission).where(Submission.enrolment_id == bindparam("enrolment_id"),
                                      Submission.assignment_id == bindparam("assignment_id"))


@bp.route("/kurse/<course_slug>/<module_slug>/aufgaben/<assignment_slug>", methods=["GET", "POST"])
@login_required
def assignment(course_slug: str, module_slug: str, assignment_slug: str):
    if request.method == "POST":
        read_before_writing()  # the uploads are stored first: see below
    course, module, assignment, enrolment = _assignment_context(course_slug, module_slug, assignment_slug)
    locked = locked_reason(module, enrolment.done.get("module", set()), course) if enrolment else []
    closed_until = _module_closed_until(enrolment, module)
    # services.submission_for's read, built once (building it per request was 7 % of the page)
    submission = db.session.scalar(_SUBMISSION, {"enrolment_id": enrolment.id, "assignment_id": assignment.id}) if enrolment else None
    if request.method == "POST":
        if enrolment is None or locked or closed_until:
            abort(403)
        page_url = url_for("assignments.assignment", course_slug=course.slug, module_slug=module.slug, assignment_slug=assignment.slug)
        # A hard cap for the whole request; single files over the limit get a friendly message below.
        request.max_content_length = services.MAX_FILES * services.max_file_bytes(assignment) + 2 * 1024 * 1024
    form = SubmissionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            return _render_assignment(course, module, assignment, enrolment, submission, locked, form, closed_until), 422
        if submission is not None and not submission.editable:
            flash(_("Diese Abgabe ist bereits abgegeben und kann nicht mehr geändert werden."), "error")
            return redirect(page_url)
        # The files go to the store before the request writes to the database: until begin_writes()
        # it has only read (on SQLite in a deferred transaction, see read_before_writing), so no
        # one waits for a write lock while up to 10 × 100 MB are stored.
        store = get_store()
        stored, rejected = _store_uploads(assignment, store, len(submission.draft_files) if submission is not None else 0)
        begin_writes()
        db.session.expire_all()  # what is decided on below is read again (SQLite's rollback has done so already)
        submission = services.get_or_create_submission(enrolment, assignment)
        if not submission.editable:  # handed in from another tab meanwhile
            services.discard_stored(store, stored)
            flash(_("Diese Abgabe ist bereits abgegeben und kann nicht mehr geändert werden."), "error")
            return redirect(page_url)
        services.save_draft(submission, form.text.data or "")
        for upload in stored:
            services.add_stored_file(submission, upload)
        remove = request.form.get("remove_file", "")
        if remove.isdigit():
            services.remove_draft_file(submission, int(remove))
        if rejected:
            db.session.commit()  # the text and every accepted file are kept
            form.files.errors = rejected
            return _render_assignment(course, module, assignment, enrolment, submission, locked, form, closed_until), 422
        if request.form.get("action") == "submit":
            try:
                version = services.hand_in(submission)
            except DomainError as exc:
                db.session.commit()  # keep the draft
                flash(exc.message, "error")
                return redirect(page_url)
            number = version.number  # read before the commit, which would expire it
            db.session.commit()
            flash(_("Version %(n)d ist abgegeben. Ihre Trainerin oder Ihr Trainer wird benachrichtigt.", n=number), "success")
            return redirect(page_url)
        db.session.commit()
        flash(_("Datei entfernt. Ihr Entwurf ist gespeichert.") if remove.isdigit() else _("Ihr Entwurf ist gespeichert."), "success")
        return redirect(page_url)
    if submission is not None:
        form.text.data = submission.draft_text
    return _render_assignment(course, module, assignment, enrolment, submission, locked, form, closed_until)


def _store_uploads(assignment, store, files_on_draft: int) -> tuple[list[services.StoredUpload], list[str]]:
    """The request's files checked and in the store (no database write), and the reasons for
    those refused. The checks read the assignment's settings from the database, as the draft's
    own assignment (the outline's copy is the course version's)."""
    stored, rejected = [], []
    row = None
    for upload in request.files.getlist("files"):
        if not upload or not upload.filename:
            continue
        row = row or db.session.get(Assignment, assignment.id)
        try:
            stored.append(services.store_upload(row, services.Upload(upload.filename, upload.stream), store,
                                                files_on_draft + len(stored)))
        except services.UploadRejected as exc:
            rejected.append(exc.message)
    return stored, rejected


def _module_closed_until(enrolment, module):
    """The day the module opens by the cohort's release schedule, if that is still ahead."""
    try:
        from app.learning.access import opens_on
    except ImportError:  # release dates not available: prerequisites alone decide
        return None
    return opens_on(enrolment, module)


def _render_assignment(course, module, assignment, enrolment, submission, locked, form, closed_until=None):
    due_on = services.due_date_for(enrolment.cohort, assignment) if enrolment else None
    kinds = services.allowed_kinds(assignment)
    # breadcrumbs, title, instructions and rubric: rendered once per course version and language
    # (app.learning.fragments); the rest of the page is the learner's own
    return render_template(
        "assignments/assignment.html", parts=assignment_parts(course, module, assignment), assignment=assignment, enrolment=enrolment,
        submission=submission, locked=locked, form=form, due_on=due_on, closed_until=closed_until,
        accepts_text=services.accepts_text(assignment), accepts_files=services.accepts_files(assignment),
        allowed_kinds=kinds, max_mb=services.max_file_bytes(assignment) / (1024 * 1024),
        pass_points=services.pass_points(assignment), max_files=services.MAX_FILES,
        accept=",".join(f".{kind}" for kind in kinds) + (",.jpeg" if "jpg" in kinds else ""),
        versions=list(reversed(submission.versions)) if submission else [],
    )


@bp.get("/abgaben/dateien/<int:file_id>")
@login_required
def download(file_id: int):
    row = db.get_or_404(SubmissionFile, file_id)
    if not can_download_file(current_user, row):
        abort(404)
    try:
        return send_stored_file(row.storage_key, filename=row.filename, content_type=row.content_type, etag=row.sha256)
    except StorageUnavailable:
        current_app.logger.exception("file store unavailable for a download")
        abort(503)
    except (OSError, KeyError):
        abort(404)


# ---------------------------------------------------------------- trainers

def _filters() -> queries.QueueFilter:
    def number(name: str) -> int | None:
        value = request.args.get(name, "")
        return int(value) if value.isdigit() else None

    status = request.args.get("status", queries.OPEN)
    if status not in {queries.OPEN, queries.ALL} | {s.value for s in SubmissionStatus if s != SubmissionStatus.DRAFT}:
        status = queries.OPEN
    return queries.QueueFilter(number("cohort"), number("module"), status)


def _require_grader():
    if current_user.role.value not in ("trainer", "admin"):
        abort(403)


@functools.lru_cache(maxsize=16)
def _filter_texts(locale: str) -> SimpleNamespace:
    """The queue filter's fixed labels and choices in one language: the same on every view, and a
    dozen gettext calls per request otherwise (translations do not change while a process runs)."""
    return SimpleNamespace(
        cohort=_("Kohorte"), all_cohorts=_("Alle Kohorten"), module=_("Modul"), all_modules=_("Alle Module"), status=_("Status"),
        statuses=[(queries.OPEN, _("Offen (abgegeben, in Prüfung)")), (queries.ALL, _("Alle"))] + [
            (s.value, services.status_label(s)) for s in SubmissionStatus if s != SubmissionStatus.DRAFT],
        status_labels={s.value: services.status_label(s) for s in SubmissionStatus},
        status_fields={},  # status → the status <select> (_status_field); one of _filters' few values
        # the hand-in rows' words, as the template's _() wrote them (a trusted translation) and its
        # escaping of the status labels and classes (_queue_row_html)
        row=SimpleNamespace(
            late=_as_template_writes(_("verspätet")), grade=_as_template_writes(_("Bewerten")), view=_as_template_writes(_("Ansehen")),
            reviewer=Markup(_("bei %(name)s")),
            statuses={s.value: (escape(_STATUS_CLASSES[s.value]), escape(services.status_label(s))) for s in SubmissionStatus},
        ),
    )


def _status_field(texts: SimpleNamespace, selected: str) -> Markup:
    """The status <select>: the same for every view of a language and status, so written once."""
    field = texts.status_fields.get(selected)
    if field is None:
        field = texts.status_fields[selected] = FilterSelect("status", texts.status, texts.statuses, selected).field()
    return field


def _as_template_writes(translation: str) -> Markup:
    """A translation without variables as a template's _() returns it: trusted, `%%` as `%`."""
    return Markup(translation) % {} if "%" in translation else Markup(translation)


def _queue_rows_html(rows: list[queries.QueueRow], words: SimpleNamespace, link: tuple[Markup, Markup], format_time) -> Markup:
    """The table's rows (each `<tr>` with _queue_row_html's cells), as one piece of HTML: one Markup
    for the page instead of one per row, each of which the template escaped once more (issue 17).
    The texts people entered are escaped once per view: most rows repeat the assignment, module
    and cohort."""
    escaped: dict[str, Markup] = {}

    def text(value: str) -> Markup:
        result = escaped.get(value)
        if result is None:
            result = escaped[value] = escape(value)
        return result

    return Markup("".join([f"\n    <tr>\n      {_queue_row_html(row, words, link, format_time, text)}\n    </tr>\n  " for row in rows]))


def _queue_row_html(row: queries.QueueRow, words: SimpleNamespace, link: tuple[Markup, Markup], format_time, text=escape) -> str:
    """One hand-in row's cells, as the template wrote them. Written here because in the template
    each of the row's fifteen values went through escape() and came back as a new Markup — the
    id, the trusted labels and the link's prefix and query string too; here only the five texts
    people entered (learner, assignment, module, cohort, reviewer) and the time are escaped, each
    once (issue 17). `link`: the hand-in link's text before and after the id, escaped;
    `format_time`: the `datetime` filter's 'short' format (templating.datetime_formatter); `text`:
    escapes a text (_queue_rows_html's, which remembers them)."""
    learner, title = text(row.learner_name), text(row.assignment_title)
    late = f' <span class="status status-late">{words.late}</span>' if row.late else ""
    css, label = words.statuses.get(row.status, ("", ""))
    reviewer = ""
    if row.status == "in_review" and row.reviewer_name:
        reviewer = f'<br><span class="meta">{words.reviewer % {"name": row.reviewer_name}}</span>'
    action = words.grade if row.status in ("submitted", "in_review") else words.view
    return (
        f"<td>{text(format_time(row.submitted_at))}{late}</td>\n"
        f"      <td>{learner}</td>\n"
        f'      <td>{title}<br><span class="meta">{text(row.module_title)}</span></td>\n'
        f"      <td>{text(row.cohort_name)}</td>\n"
        f"      <td>{row.version_number or ''}</td>\n"
        f'      <td><span class="status status-{css}">{label}</span>{reviewer}</td>\n'
        f'      <td><a href="{link[0]}{row.id}{link[1]}">{action}<span class="visually-hidden">: {learner}, {title}</span></a></td>'
    )


# each status's CSS class (status-in-review): a dict lookup per row instead of Jinja's replace filter
_STATUS_CLASSES = {s.value: s.value.replace("_", "-") for s in SubmissionStatus}


@functools.lru_cache(maxsize=16)
def _grade_url_prefix(script_root: str) -> str:
    """The link to each hand-in is this prefix and its id: one url_for per script root instead of one per row."""
    return url_for("assignments.grade", submission_id=0).removesuffix("0")


@bp.get("/bewertung")
@login_required
def queue():
    _require_grader()
    filters = _filters()
    user = current_user._get_current_object()  # once: each use of the proxy looks the user up again
    # rows, filter choices and the navigation badge's count in one statement (issue 17)
    cohorts, modules, submissions, waiting = queries.queue_page(user, filters)
    if filters.cohort_id and filters.cohort_id not in {c.id for c in cohorts}:
        abort(404)
    navigation.provide_badge("assignments.queue", waiting)
    texts = _filter_texts(locale_name())  # str(get_locale()), looked up once per request
    # the filter's three fields, as macros.field writes them
    filter_fields = Markup("\n  ").join((
        FilterSelect("cohort", texts.cohort, [("", texts.all_cohorts)] + [(str(c.id), c.name) for c in cohorts],
                     request.args.get("cohort")).field(),
        FilterSelect("module", texts.module, [("", texts.all_modules)] + [(str(m.id), m.title) for m in modules],
                     request.args.get("module")).field(),
        _status_field(texts, filters.status),
    ))
    selected_cohort = next((c for c in cohorts if c.id == filters.cohort_id), None)
    # each hand-in's link: the grading page, keeping the queue's filter
    link = (escape(_grade_url_prefix(request.script_root)), escape("?" + current_app.jinja_env.filters["urlencode"](filters.as_args())))
    format_time = datetime_formatter("short")
    return render_template(
        "assignments/queue.html", filter_fields=filter_fields, submissions=submissions,
        rows_html=_queue_rows_html(submissions, texts.row, link, format_time),
        selected_cohort=selected_cohort, cohort_assignments=queries.assignments_of(selected_cohort) if selected_cohort else [],
    )


def _gradable_or_404(submission_id: int) -> Submission:
    submission = db.get_or_404(Submission, submission_id)
    if not can_grade(current_user, submission) or submission.status == SubmissionStatus.DRAFT or not submission.versions:
        abort(404)
    return submission


@bp.route("/bewertung/<int:submission_id>", methods=["GET", "POST"])
@login_required
def grade(submission_id: int):
    submission = _gradable_or_404(submission_id)
    filters = _filters()
    assignment = submission.assignment
    form = grading_form_class(assignment.rubric)()
    conflict = None
    if request.method == "GET":
        begin_writes()
        services.mark_in_review(submission, current_user)
        db.session.commit()
        _prefill(form, submission)
    elif form.validate_on_submit():
        version = db.session.get(SubmissionVersion, int(form.version_id.data)) if (form.version_id.data or "").isdigit() else None
        if version is None or version.submission_id != submission.id:
            abort(400)
        try:
            services.grade_submission(
                submission, version, current_user, form.chosen_levels(), Decision(form.decision.data), form.comment.data or "",
                expected_lock=int(form.lock_version.data or 0),
            )
        except services.GradingConflict as exc:
            db.session.rollback()
            conflict = exc
        except DomainError as exc:
            db.session.rollback()
            form.decision.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("Bewertung gespeichert: %(decision)s.", decision=services.decision_label(Decision(form.decision.data))), "success")
            if request.form.get("after") == "next":
                following = queries.next_in_queue(current_user, filters, submission)
                if following is not None:
                    return redirect(url_for("assignments.grade", submission_id=following.id, **filters.as_args()))
                flash(_("Keine weiteren Abgaben warten auf eine Bewertung."), "info")
                return redirect(url_for("assignments.queue", **filters.as_args()))
            return redirect(url_for("assignments.grade", submission_id=submission.id, **filters.as_args()))
    if request.method == "POST":
        db.session.refresh(submission)
        # Carry the current state, so that saving again (after reading the message) is a deliberate regrade.
        form.version_id.data = str(submission.latest_version.id)
        form.lock_version.data = str(submission.lock_version)
    status = 409 if conflict else (422 if request.method == "POST" else 200)
    return render_template(
        "assignments/grade.html", submission=submission, assignment=assignment, module=assignment.module,
        enrolment=submission.enrolment, learner=submission.enrolment.user, form=form, conflict=conflict, filters=filters,
        versions=list(reversed(submission.versions)), pass_points=services.pass_points(assignment),
    ), status


def _prefill(form, submission: Submission) -> None:
    version = submission.latest_version
    form.version_id.data = str(version.id)
    form.lock_version.data = str(submission.lock_version)
    previous = version.latest_grading
    if previous is not None:  # a regrade starts from the last grading of this version
        for field in form.rubric_fields():
            level = previous.levels.get(field.name[len("level_"):])
            field.data = str(level) if level is not None else None
        form.comment.data = previous.comment


@bp.route("/bewertung/kohorten/<int:cohort_id>/aufgaben/<int:assignment_id>/abgaben.zip", methods=["GET", "POST"])
@login_required
def cohort_zip(cohort_id: int, assignment_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    assignment = db.get_or_404(Assignment, assignment_id)
    if not can_grade_cohort(current_user, cohort) or assignment.module.course_id != cohort.course_id:
        abort(404)
    # a few files are copied at once; a large ZIP is prepared in the background
    return offer(downloads.KIND, {"cohort_id": cohort.id, "assignment_id": assignment.id}, downloads.title(cohort, assignment),
                 estimate=queries.cohort_submission_file_count(cohort, assignment))
