"""Inviting learners into a cohort (an uploaded table or a pasted list, a preview, the
confirmation) and the public link with which an invited person sets up the account."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts.services import start_session
from app.cohorts import services
from app.cohorts.access import cohort_or_404
from app.cohorts.forms import AcceptInvitationForm, ConfirmImportForm, InviteForm
from app.cohorts.importing import MAX_FILE_BYTES, ImportFileError, InviteeRow, read_table, rows_from_pasted, rows_from_table
from app.cohorts.models import Cohort
from app.cohorts.routes import STAFF, bp
from app.errors import DomainError
from app.extensions import db
from app.security import role_required


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
