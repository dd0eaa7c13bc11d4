"""Reminder mails from the trainer to chosen learners of a cohort (preselected from the matrix)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.accounts.models import User
from app.cohorts import services
from app.cohorts.access import cohort_or_404
from app.cohorts.forms import ReminderForm
from app.cohorts.models import Enrolment, EnrolmentStatus
from app.cohorts.routes import STAFF, bp
from app.errors import DomainError
from app.extensions import db
from app.security import role_required


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
