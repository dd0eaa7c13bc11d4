"""The cohort list, creating and editing a cohort, the cohort page, and its release schedule."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.accounts.models import Role, User
from app.catalogue.models import Course
from app.cohorts import services
from app.cohorts.access import can_administer_cohorts, cohort_or_404, manageable_cohorts
from app.cohorts.forms import ActionForm, CohortForm, release_form
from app.cohorts.models import Cohort, Enrolment
from app.cohorts.routes import STAFF, bp, status_labels
from app.cohorts.schedule import default_release_dates, module_release_dates
from app.errors import DomainError
from app.extensions import db
from app.security import role_required


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
