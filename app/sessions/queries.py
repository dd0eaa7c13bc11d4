"""Reads for sessions: upcoming sessions of a learner, attendance summaries per cohort."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.extensions import db
from app.links import absolute_url
from app.sessions import attendance, ical
from app.sessions.models import Attendance, LiveSession
from app.sessions.services import RECORDED_STATUSES

LONGEST = timedelta(minutes=12 * 60)


# Built once (the dashboard runs it on every view; building it with its loader options cost about
# as much as running it).
_UPCOMING = (
    select(LiveSession).where(
        LiveSession.cohort_id.in_(select(Enrolment.cohort_id).where(
            Enrolment.user_id == bindparam("user_id"), Enrolment.status.in_((EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)))),
        LiveSession.starts_at >= bindparam("from"))
    .options(selectinload(LiveSession.cohort), selectinload(LiveSession.module))
    .order_by(LiveSession.starts_at).limit(bindparam("limit"))
)


def upcoming_for_user(user, now: datetime, limit: int = 5) -> list[LiveSession]:
    """Sessions not yet over in the cohorts the user takes part in, soonest first."""
    candidates = db.session.scalars(_UPCOMING, {"user_id": user.id, "from": now - LONGEST, "limit": limit + 20}).all()
    return [s for s in candidates if s.ends_at >= now][:limit]


def cohort_sessions(cohort: Cohort) -> list[LiveSession]:
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.cohort_id == cohort.id)
        .options(selectinload(LiveSession.module)).order_by(LiveSession.starts_at)
    ))


# Built once (the progress matrix and the learner's attendance read it on every view).
_HELD = select(LiveSession.id).where(LiveSession.cohort_id == bindparam("cohort_id"), LiveSession.starts_at <= bindparam("now"))


def held_session_ids(cohort_id: int, now: datetime) -> set[int]:
    return set(db.session.scalars(_HELD, {"cohort_id": cohort_id, "now": now}))


def cohort_attendance(cohort: Cohort, now: datetime, enrolment_ids=None) -> dict[int, attendance.Summary]:
    """enrolment id → attendance summary, for every enrolment of the cohort (two queries; one
    fewer when the caller has the cohort's enrolment ids already, as the progress matrix has)."""
    held = held_session_ids(cohort.id, now)
    statuses: dict[int, dict[int, str]] = {}
    if held:
        for enrolment_id, session_id, status in db.session.execute(
            select(Attendance.enrolment_id, Attendance.session_id, Attendance.status)
            .where(Attendance.session_id.in_(held))
        ):
            statuses.setdefault(enrolment_id, {})[session_id] = status.value
    if enrolment_ids is None:
        enrolment_ids = db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id))
    return {e: attendance.summarise(held, statuses.get(e, {})) for e in enrolment_ids}


def enrolment_attendance(enrolment: Enrolment, now: datetime) -> attendance.Summary:
    held = held_session_ids(enrolment.cohort_id, now)
    statuses = {
        session_id: status.value for session_id, status in db.session.execute(
            select(Attendance.session_id, Attendance.status).where(Attendance.enrolment_id == enrolment.id)
        )
    }
    return attendance.summarise(held, statuses)


def attendance_statuses(session: LiveSession) -> dict[int, str]:
    return {a.enrolment_id: a.status.value for a in session.attendances}


def ical_event(session: LiveSession) -> ical.Event:
    """The calendar entry: title, place, and a plain-text description (module, materials, link)."""
    from flask_babel import gettext as _

    parts = []
    if session.module is not None:
        parts.append(_("Modul: %(title)s", title=session.module.title))
    parts.append(_("Kohorte: %(name)s", name=session.cohort.name))
    if session.mode.value == "online":
        parts.append(_("Online: %(link)s", link=session.location))
    if session.materials.strip():
        parts.append("")
        parts.append(session.materials.strip())
    link = absolute_url("sessions.detail", session_id=session.id)
    parts += ["", _("Details: %(link)s", link=link)]
    return ical.Event(
        uid=session.uid, sequence=session.sequence, starts_at=session.starts_at, ends_at=session.ends_at,
        summary=session.title, description="\n".join(parts),
        location=session.location, url=link, last_modified=session.updated_at,
    )


def recorded_enrolment_count(cohort: Cohort) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status.in_(RECORDED_STATUSES))) or 0
