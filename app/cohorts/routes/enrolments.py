"""What a trainer does with one learner's enrolment, from the cohort page: invite again, withdraw,
reactivate, approve the completion (which issues the certificate), move to another cohort."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.cohorts import services
from app.cohorts.access import cohort_or_404, enrolment_or_404, manageable_cohorts
from app.cohorts.forms import ActionForm, ApprovalForm, MoveForm
from app.cohorts.models import Cohort
from app.cohorts.routes import STAFF, bp
from app.errors import DomainError
from app.extensions import db
from app.security import role_required


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
