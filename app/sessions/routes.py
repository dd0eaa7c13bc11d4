"""Sessions of a cohort: list, detail, iCalendar downloads; for trainers: plan and attendance."""
from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app import clock
from app.catalogue.models import Module
from app.cohorts.access import can_manage_cohort, cohort_or_404
from app.cohorts.models import Cohort
from app.catalogue.markdown import render_user_markdown
from app.errors import DomainError
from app.extensions import db
from app.security import can_take_part_in_cohort
from app.sessions import ical, queries, services
from app.sessions.access import can_manage_session, session_or_404
from app.sessions.forms import ConfirmForm, SessionForm, attendance_form, status_choices
from app.sessions.models import AttendanceStatus, SessionMode
from app.sessions.times import berlin_to_utc, utc_to_berlin

bp = Blueprint("sessions", __name__)


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_take_part_in_cohort(current_user, cohort):
        abort(404)
    return cohort


def _module_choices(form: SessionForm, cohort: Cohort) -> None:
    form.module_id.choices = [SelectChoice(0, _("– kein bestimmtes Modul –"))] + [
        SelectChoice(m.id, f"{m.position}. {m.title}") for m in cohort.course.active_modules
    ]


def _module(cohort: Cohort, module_id: int | None) -> Module | None:
    if not module_id:
        return None
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != cohort.course_id:
        abort(400)
    return module


def _values(form: SessionForm, cohort: Cohort) -> dict:
    return {
        "title": form.title.data, "starts_at": berlin_to_utc(form.day.data, form.start_time.data),
        "duration_minutes": form.duration_minutes.data, "mode": SessionMode(form.mode.data),
        "location": form.location.data, "module": _module(cohort, form.module_id.data), "materials": form.materials.data or "",
    }


@bp.get("/kohorten/<int:cohort_id>/termine")
@login_required
def index(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    sessions = queries.cohort_sessions(cohort)
    now = clock.now()
    return render_template(
        "sessions/index.html", cohort=cohort, sessions=sessions, now=now, may_manage=can_manage_cohort(current_user, cohort),
        upcoming=[s for s in sessions if s.ends_at >= now], past=[s for s in sessions if s.ends_at < now],
    )


@bp.route("/kohorten/<int:cohort_id>/termine/neu", methods=["GET", "POST"])
@login_required
def create(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    form = SessionForm()
    _module_choices(form, cohort)
    if form.validate_on_submit():
        try:
            session = services.create_session(cohort, **_values(form, cohort))
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Termin „%(title)s“ angelegt.", title=session.title), "success")
            return redirect(url_for("sessions.index", cohort_id=cohort.id))
    return render_template("sessions/form.html", form=form, cohort=cohort, session=None)


@bp.get("/termine/<int:session_id>")
@login_required
def detail(session_id: int):
    session = session_or_404(current_user, session_id)
    return render_template(
        "sessions/detail.html", session=session, cohort=session.cohort, materials=render_user_markdown(session.materials),
        may_manage=can_manage_session(current_user, session), local_start=utc_to_berlin(session.starts_at),
        local_end=utc_to_berlin(session.ends_at), delete_form=ConfirmForm(),
    )


@bp.route("/termine/<int:session_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = session_or_404(current_user, session_id, manage=True)
    cohort = session.cohort
    form = SessionForm(obj=session)
    _module_choices(form, cohort)
    if request.method == "GET":
        local = utc_to_berlin(session.starts_at)
        form.day.data, form.start_time.data = local.date(), local.time().replace(tzinfo=None)
        form.mode.data = session.mode.value
        form.module_id.data = session.module_id or 0
    if form.validate_on_submit():
        try:
            services.update_session(session, **_values(form, cohort))
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Termin gespeichert."), "success")
            return redirect(url_for("sessions.detail", session_id=session.id))
    return render_template("sessions/form.html", form=form, cohort=cohort, session=session)


@bp.post("/termine/<int:session_id>/loeschen")
@login_required
def delete(session_id: int):
    session = session_or_404(current_user, session_id, manage=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cohort_id = session.cohort_id
    try:
        services.delete_session(session)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("sessions.detail", session_id=session_id))
    db.session.commit()
    flash(_("Termin gelöscht."), "success")
    return redirect(url_for("sessions.index", cohort_id=cohort_id))


@bp.route("/termine/<int:session_id>/anwesenheit", methods=["GET", "POST"])
@login_required
def attendance(session_id: int):
    session = session_or_404(current_user, session_id, manage=True)
    enrolments = services.attendance_enrolments(session.cohort)
    form = attendance_form(enrolments, queries.attendance_statuses(session))
    if form.validate_on_submit():
        statuses = {}
        for enrolment in enrolments:
            value = form[f"e{enrolment.id}"].data
            if value:
                statuses[enrolment.id] = AttendanceStatus(value)
            elif form.all_present.data:
                statuses[enrolment.id] = AttendanceStatus.PRESENT
        try:
            changed = services.record_attendance(session, statuses, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Anwesenheit gespeichert (%(n)d Änderungen).", n=changed), "success")
            return redirect(url_for("sessions.attendance", session_id=session.id))
    return render_template(
        "sessions/attendance.html", session=session, cohort=session.cohort, form=form, enrolments=enrolments,
        started=session.starts_at <= clock.now(), local_start=utc_to_berlin(session.starts_at), choices=status_choices(),
    )


# --- iCalendar -----------------------------------------------------------------------------------

def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower() or "termin"


def _ics_response(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store",
    })


@bp.get("/termine/<int:session_id>/termin.ics")
@login_required
def session_ics(session_id: int):
    session = session_or_404(current_user, session_id)
    body = ical.calendar([queries.ical_event(session)], session.title, clock.now())
    return _ics_response(body, f"{_slug(session.title)}.ics")


@bp.get("/kohorten/<int:cohort_id>/termine.ics")
@login_required
def cohort_ics(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    events = [queries.ical_event(s) for s in queries.cohort_sessions(cohort)]
    body = ical.calendar(events, _("Termine %(name)s", name=cohort.name), clock.now())
    return _ics_response(body, f"termine-{_slug(cohort.name)}.ics")
