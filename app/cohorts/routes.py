"""Trainer and admin pages for cohorts, and the public invitation link."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app import navigation
from app.accounts.models import Role, User
from app.accounts.services import start_session
from app.catalogue.models import Course
from app.cohorts import exports, matrix, queries, services
from app.cohorts.access import can_administer_cohorts, cohort_or_404, enrolment_or_404, manageable_cohorts
from app.cohorts.forms import (
    AcceptInvitationForm, ActionForm, ApprovalForm, CohortForm, ConfirmImportForm, InviteForm, MoveForm, ReminderForm,
    release_form,
)
from app.cohorts.importing import MAX_FILE_BYTES, ImportFileError, InviteeRow, read_table, rows_from_pasted, rows_from_table
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.cohorts.schedule import default_release_dates, module_release_dates
from app.db import utcnow
from app.errors import DomainError
from app.extensions import db
from app.regions import district, land_name
from app.security import role_required

bp = Blueprint("cohorts", __name__)
navigation.register("cohorts.index", lambda: _("Kohorten"), {"trainer", "admin"}, order=30)

STAFF = (Role.TRAINER, Role.ADMIN)
INACTIVE_DAYS = 14


def status_labels() -> dict[str, str]:
    return {"invited": _("eingeladen"), "active": _("aktiv"), "completed": _("abgeschlossen"), "withdrawn": _("zurückgezogen")}


@bp.app_context_processor
def _cohort_helpers():
    return {"district_of": district, "land_name": land_name}


# --- cohorts -------------------------------------------------------------------------------------

@bp.get("/kohorten")
@role_required(*STAFF)
def index():
    cohorts = db.session.scalars(
        manageable_cohorts(current_user).options(selectinload(Cohort.course), selectinload(Cohort.trainers))
        .order_by(Cohort.starts_on.desc(), Cohort.name)
    ).all()
    counts = _seat_counts([c.id for c in cohorts])
    return render_template("cohorts/index.html", cohorts=cohorts, counts=counts, may_create=can_administer_cohorts(current_user))


def _seat_counts(cohort_ids: list[int]) -> dict[int, int]:
    from sqlalchemy import func

    if not cohort_ids:
        return {}
    return dict(db.session.execute(
        select(Enrolment.cohort_id, func.count(Enrolment.id))
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status.in_(services.SEAT_TAKING))
        .group_by(Enrolment.cohort_id)
    ).all())


def _cohort_form_choices(form: CohortForm) -> None:
    form.course_id.choices = [SelectChoice(c.id, f"{c.title} ({c.version})") for c in db.session.scalars(
        select(Course).where(Course.archived_at.is_(None)).order_by(Course.title))]
    form.trainer_ids.choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in db.session.scalars(
        select(User).where(User.role == Role.TRAINER, User.active.is_(True)).order_by(User.name))]


def _trainers(ids: list[int]) -> list[User]:
    return list(db.session.scalars(select(User).where(User.id.in_(ids or []))))


@bp.route("/kohorten/neu", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create():
    form = CohortForm()
    _cohort_form_choices(form)
    if form.validate_on_submit():
        course = db.session.get(Course, form.course_id.data) or abort(400)
        try:
            cohort = services.create_cohort(
                course, form.name.data, form.land.data, form.district_ags.data or None, form.starts_on.data,
                form.ends_on.data, form.seats.data, _trainers(form.trainer_ids.data),
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Kohorte „%(name)s“ angelegt.", name=cohort.name), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=None, admin=True)


@bp.route("/kohorten/<int:cohort_id>/bearbeiten", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    admin = can_administer_cohorts(current_user)
    form = CohortForm(obj=cohort)
    _cohort_form_choices(form)
    if not admin:  # trainers change dates, seats and name; course and trainers are the admin's
        del form.course_id
        del form.trainer_ids
    elif request.method == "GET":
        form.trainer_ids.data = [t.id for t in cohort.trainers]
        form.course_id.data = cohort.course_id
    if admin:
        form.course_id.choices = [SelectChoice(cohort.course_id, f"{cohort.course.title} ({cohort.course.version})")]
    if form.validate_on_submit():
        try:
            services.update_cohort(cohort, form.name.data, form.land.data, form.district_ags.data or None,
                                   form.starts_on.data, form.ends_on.data, form.seats.data)
            if admin:
                services.set_trainers(cohort, _trainers(form.trainer_ids.data))
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Gespeichert."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=cohort, admin=admin)


@bp.get("/kohorten/<int:cohort_id>")
@role_required(*STAFF)
def detail(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    enrolments = db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.user)).order_by(User.name)
    ).all()
    modules = cohort.course.active_modules
    from app.certificates.queries import awaiting_approval
    from app.certificates.services import APPROVAL_NOTE_LENGTH

    waiting = awaiting_approval(enrolments)
    return render_template(
        "cohorts/detail.html", cohort=cohort, enrolments=enrolments, occupied=services.occupied_seats(cohort),
        releases=module_release_dates(cohort, modules), modules=modules, action_form=ActionForm(),
        status_labels=status_labels(), admin=can_administer_cohorts(current_user),
        needs_approval=bool((cohort.course.completion or {}).get("trainer_approval")),
        awaiting_approval=[e for e in enrolments if e.id in waiting], note_length=APPROVAL_NOTE_LENGTH,
    )


@bp.route("/kohorten/<int:cohort_id>/zeitplan", methods=["GET", "POST"])
@role_required(*STAFF)
def schedule(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    modules = cohort.course.active_modules
    defaults = default_release_dates(cohort.starts_on, [(m.id, m.hours) for m in modules])
    current = {r.module_id: r.opens_on for r in cohort.module_releases}
    form = release_form(modules, defaults, current, cohort.release_locks)
    if form.validate_on_submit():
        values = {m.id: getattr(form, f"m{m.id}").data for m in modules}
        # a date equal to the default is no override
        values = {mid: (None if day == defaults[mid] else day) for mid, day in values.items()}
        try:
            services.set_module_releases(cohort, values, release_locks=form.release_locks.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Zeitplan gespeichert."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/schedule.html", cohort=cohort, form=form, modules=modules, defaults=defaults)


# --- invitations ---------------------------------------------------------------------------------

def _serializer(cohort: Cohort) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"cohort-import-{cohort.id}")


def _render_preview(cohort: Cohort, preview: services.Preview, status: int = 200):
    confirm = ConfirmImportForm()
    confirm.payload.data = _serializer(cohort).dumps([r.to_payload() for r in preview.rows]) if preview.ok else ""
    return render_template(
        "cohorts/preview.html", cohort=cohort, preview=preview, confirm=confirm, message=services.row_error_message,
    ), status


@bp.route("/kohorten/<int:cohort_id>/einladen", methods=["GET", "POST"])
@role_required(*STAFF)
def invite(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    form = InviteForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload and upload.filename:
                rows = rows_from_table(read_table(upload.filename, upload.read(MAX_FILE_BYTES + 1)))
            elif (form.emails.data or "").strip():
                rows = rows_from_pasted(form.emails.data)
            else:
                raise ImportFileError("empty")
        except ImportFileError as exc:
            target = form.file if upload and upload.filename else form.emails
            target.errors = [*target.errors, services.file_error_message(exc)]
        else:
            preview = services.preview_invitations(cohort, rows)
            return _render_preview(cohort, preview, 200 if preview.ok else 422)
    return render_template("cohorts/invite.html", cohort=cohort, form=form, free=services.free_seats(cohort))


@bp.post("/kohorten/<int:cohort_id>/einladen/bestaetigen")
@role_required(*STAFF)
def confirm_invite(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        payload = _serializer(cohort).loads(form.payload.data, max_age=2 * 3600)
        rows = [InviteeRow.from_payload(item) for item in payload]
    except (BadSignature, TypeError, ValueError, AttributeError):
        flash(_("Die Vorschau ist abgelaufen. Bitte laden Sie die Liste erneut hoch."), "error")
        return redirect(url_for("cohorts.invite", cohort_id=cohort.id))
    try:
        result = services.invite(cohort, rows, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message + " " + _("Es wurde nichts importiert."), "error")
        return _render_preview(cohort, services.preview_invitations(cohort, rows), 409)
    db.session.commit()
    flash(_("%(invited)d Einladungen verschickt, %(enrolled)d bestehende Konten eingeschrieben.",
            invited=result.invited, enrolled=result.enrolled), "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.post("/kohorten/<int:cohort_id>/einschreibungen/<int:enrolment_id>/<action>")
@role_required(*STAFF)
def enrolment_action(cohort_id: int, enrolment_id: int, action: str):
    cohort = cohort_or_404(current_user, cohort_id)
    enrolment = enrolment_or_404(cohort, enrolment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    email = enrolment.user.email
    operations = {
        "erneut-einladen": (lambda: services.resend_invitation(enrolment, current_user),
                            lambda: _("Einladung an %(email)s erneut gesendet.", email=email)),
        "zurueckziehen": (lambda: services.withdraw_enrolment(enrolment),
                          lambda: _("Einschreibung von %(email)s zurückgezogen.", email=email)),
        "reaktivieren": (lambda: services.reactivate_enrolment(enrolment),
                         lambda: _("Einschreibung von %(email)s reaktiviert.", email=email)),
    }
    if action not in operations:
        abort(404)
    operation, message = operations[action]
    try:
        operation()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(message(), "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.post("/kohorten/<int:cohort_id>/einschreibungen/<int:enrolment_id>/freigeben")
@role_required(*STAFF)
def approve_completion(cohort_id: int, enrolment_id: int):
    """The trainer's approval that a course with `completion.trainer_approval` asks for; the
    certificate is issued with it."""
    cohort = cohort_or_404(current_user, cohort_id)
    enrolment = enrolment_or_404(cohort, enrolment_id)
    form = ApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    from app.certificates import services as certificates

    try:
        certificate = certificates.approve_completion(enrolment, current_user, form.note.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Abschluss von %(name)s freigegeben. Das Zertifikat %(number)s ist ausgestellt und wird per E-Mail zugestellt.",
                name=enrolment.user.name, number=certificate.number), "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/kohorten/<int:cohort_id>/einschreibungen/<int:enrolment_id>/verschieben", methods=["GET", "POST"])
@role_required(*STAFF)
def move(cohort_id: int, enrolment_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    enrolment = enrolment_or_404(cohort, enrolment_id)
    targets = db.session.scalars(
        manageable_cohorts(current_user).where(Cohort.course_id == cohort.course_id, Cohort.id != cohort.id).order_by(Cohort.name)
    ).all()
    form = MoveForm()
    form.target_id.choices = [SelectChoice(c.id, c.name) for c in targets]
    if form.validate_on_submit():
        target = cohort_or_404(current_user, form.target_id.data)
        try:
            services.move_enrolment(enrolment, target)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s ist jetzt in der Kohorte „%(cohort)s“.", name=enrolment.user.name, cohort=target.name), "success")
            return redirect(url_for("cohorts.detail", cohort_id=target.id))
    return render_template("cohorts/move.html", cohort=cohort, enrolment=enrolment, form=form, targets=targets)


@bp.route("/einladung/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("cohorts/accept_invalid.html"), 410
    user = invitation.enrolment.user
    form = AcceptInvitationForm(obj=user if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data, form.name.data, form.municipality.data,
                                              form.district_ags.data or None, form.position.data)
            start_session(user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            from flask import session

            session.clear()
            login_user(user)
            flash(_("Willkommen! Ihr Konto ist eingerichtet."), "success")
            return redirect(url_for("learning.dashboard"))
    return render_template("cohorts/accept.html", form=form, invitation=invitation, user=user)


# --- progress matrix and exports -----------------------------------------------------------------

def _matrix(cohort: Cohort):
    columns, rows = queries.progress_matrix(cohort)
    now = utcnow()
    only_inactive = request.args.get("filter") == "inactive"
    shown = matrix.filter_rows(rows, now, INACTIVE_DAYS if only_inactive else None)
    if request.args.get("status") in status_labels():
        shown = [r for r in shown if r.learner.status == request.args["status"]]
    if request.args.get("waiting"):
        waiting = queries.enrolments_waiting_for_grading(cohort)
        shown = [r for r in shown if r.learner.enrolment_id in waiting]
    sort = request.args.get("sort", "name")
    descending = request.args.get("order") == "desc"
    shown = matrix.sort_rows(shown, sort, descending)
    return columns, rows, shown, now, sort, descending, only_inactive


@bp.get("/kohorten/<int:cohort_id>/matrix")
@role_required(*STAFF)
def progress(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    columns, rows, shown, now, sort, descending, only_inactive = _matrix(cohort)
    from app.sessions.attendance import minimum_attendance
    from app.sessions.queries import cohort_attendance

    return render_template(
        "cohorts/matrix.html", cohort=cohort, columns=columns, rows=shown, totals=matrix.totals(shown, columns, now, INACTIVE_DAYS),
        all_count=len(rows), now=now, sort=sort, descending=descending, only_inactive=only_inactive,
        inactive_days=INACTIVE_DAYS, status_labels=status_labels(), status=request.args.get("status", ""),
        only_waiting=bool(request.args.get("waiting")),
        attendance=cohort_attendance(cohort, now), min_attendance=minimum_attendance(cohort.course.completion),
    )


def _export_table(cohort: Cohort) -> list[list]:
    columns, _all_rows, shown = _matrix(cohort)[:3]
    labels = {
        "name": _("Name"), "email": _("E-Mail"), "municipality": _("Kommune"), "district": _("Kreis"), "status": _("Status"),
        "lessons": _("Lektionen"), "quiz": _("Wissenscheck"), "assignment": _("Aufgabe"), "progress": _("Fortschritt (%)"),
        "activity": _("Letzte Aktivität"), "passed": _("bestanden"), "open": _("offen"), "none": "–", **status_labels(),
    }

    def district_name(ags):
        found = district(ags)
        return f"{found.name} ({found.ags})" if found else ""

    return matrix.table(shown, columns, labels, district_name=district_name,
                        format_time=lambda value: format_datetime(value, "dd.MM.yyyy HH:mm"))


def _filename(cohort: Cohort, extension: str) -> str:
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", cohort.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "kohorte"
    return f"fortschritt-{slug}-{datetime.now():%Y-%m-%d}.{extension}"


@bp.get("/kohorten/<int:cohort_id>/matrix.csv")
@role_required(*STAFF)
def export_csv(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    return Response(exports.to_csv(_export_table(cohort)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_filename(cohort, "csv")}"', "Cache-Control": "no-store",
    })


@bp.get("/kohorten/<int:cohort_id>/matrix.xlsx")
@role_required(*STAFF)
def export_xlsx(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    return Response(
        exports.to_xlsx(_export_table(cohort), sheet_title=cohort.name),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(cohort, "xlsx")}"', "Cache-Control": "no-store"},
    )


# --- reminders -----------------------------------------------------------------------------------

@bp.route("/kohorten/<int:cohort_id>/erinnerung", methods=["GET", "POST"])
@role_required(*STAFF)
def remind(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    enrolments = db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_((EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED)))
        .options(selectinload(Enrolment.user)).order_by(User.name)
    ).all()
    form = ReminderForm()
    form.enrolment_ids.choices = [SelectChoice(e.id, f"{e.user.name} ({e.user.email})") for e in enrolments]
    if request.method == "GET":
        form.subject.data = _("Erinnerung: %(course)s", course=cohort.course.title)
        form.text.data = services.default_reminder_text(cohort)
        preselected = request.args.getlist("e", type=int)
        form.enrolment_ids.data = [e.id for e in enrolments if e.id in preselected]
    if form.validate_on_submit():
        chosen = [e for e in enrolments if e.id in set(form.enrolment_ids.data)]
        try:
            count = services.send_reminders(cohort, chosen, form.subject.data, form.text.data, current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("%(n)d Erinnerungen verschickt.", n=count), "success")
            return redirect(url_for("cohorts.progress", cohort_id=cohort.id))
    return render_template("cohorts/remind.html", cohort=cohort, form=form)
