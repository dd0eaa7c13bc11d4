"""The write API of sessions and attendance. Flushes, never commits; German DomainErrors."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.audit.services import record
from app.catalogue.models import Module
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.errors import DomainError
from app.events import attendance_recorded
from app.extensions import db
from app.sessions.models import Attendance, AttendanceStatus, LiveSession, SessionMode

MIN_MINUTES, MAX_MINUTES = 15, 12 * 60
# Learners whose attendance is recorded: everyone who is or was taking part.
RECORDED_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


def _check(cohort: Cohort, title: str, duration_minutes: int, mode: SessionMode, location: str, module: Module | None) -> None:
    if not (title or "").strip():
        raise DomainError(_("Bitte geben Sie einen Titel an."))
    if not MIN_MINUTES <= int(duration_minutes) <= MAX_MINUTES:
        raise DomainError(_("Die Dauer muss zwischen %(min)d und %(max)d Minuten liegen.", min=MIN_MINUTES, max=MAX_MINUTES))
    location = (location or "").strip()
    if not location:
        raise DomainError(_("Bitte geben Sie den Link zur Videokonferenz oder die Adresse an."))
    if mode == SessionMode.ONLINE and not location.lower().startswith(("https://", "http://")):
        raise DomainError(_("Bitte geben Sie den vollständigen Link an, beginnend mit https://."))
    if module is not None and module.course_id != cohort.course_id:
        raise DomainError(_("Das Modul gehört nicht zum Kurs dieser Kohorte."))


def create_session(cohort: Cohort, title: str, starts_at: datetime, duration_minutes: int, mode: SessionMode,
                   location: str, module: Module | None = None, materials: str = "") -> LiveSession:
    _check(cohort, title, duration_minutes, mode, location, module)
    session = LiveSession(
        cohort=cohort, title=title.strip(), starts_at=starts_at, duration_minutes=int(duration_minutes), mode=mode,
        location=location.strip(), module=module, materials=materials or "",
    )
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: LiveSession, title: str, starts_at: datetime, duration_minutes: int, mode: SessionMode,
                   location: str, module: Module | None = None, materials: str = "") -> LiveSession:
    _check(session.cohort, title, duration_minutes, mode, location, module)
    session.title = title.strip()
    session.starts_at = starts_at
    session.duration_minutes = int(duration_minutes)
    session.mode = mode
    session.location = location.strip()
    session.module = module
    session.materials = materials or ""
    session.sequence += 1  # calendars replace the event they imported earlier
    db.session.flush()
    return session


def delete_session(session: LiveSession) -> None:
    if session.attendances:
        raise DomainError(_("Für diesen Termin ist bereits Anwesenheit erfasst; er kann nicht mehr gelöscht werden."))
    db.session.delete(session)
    db.session.flush()


def attendance_enrolments(cohort: Cohort) -> list[Enrolment]:
    from app.accounts.models import User

    return list(db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(RECORDED_STATUSES)).order_by(User.name)
    ))


def record_attendance(session: LiveSession, statuses: dict[int, AttendanceStatus], recorded_by,
                      now: datetime | None = None) -> int:
    """Stores the status per enrolment id (missing ids stay as they are); returns how many rows
    changed. Attendance can be recorded once the session has begun. Publishes
    attendance_recorded (certificates issue what the attendance makes due)."""
    now = now or clock.now()
    if session.starts_at > now:
        raise DomainError(_("Die Anwesenheit kann erst ab Beginn des Termins erfasst werden."))
    allowed = {e.id: e for e in attendance_enrolments(session.cohort)}
    unknown = set(statuses) - set(allowed)
    if unknown:
        raise DomainError(_("Mindestens eine Person gehört nicht (mehr) zu dieser Kohorte."))
    existing = {a.enrolment_id: a for a in session.attendances}
    changed = 0
    for enrolment_id, status in statuses.items():
        status = AttendanceStatus(status)
        row = existing.get(enrolment_id)
        if row is None:
            session.attendances.append(Attendance(enrolment_id=enrolment_id, status=status, recorded_by_id=getattr(recorded_by, "id", None)))
            changed += 1
        elif row.status != status:
            row.status = status
            row.recorded_by_id = getattr(recorded_by, "id", None)
            row.recorded_at = now
            changed += 1
    if changed:
        record("attendance_recorded", actor=recorded_by, obj=session, changed=changed)
    db.session.flush()
    attendance_recorded.send(session, enrolments=[allowed[e] for e in statuses])
    return changed
