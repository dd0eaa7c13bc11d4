"""Cohorts: the write API. Services flush, never commit; the view commits."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role, User
from app.accounts.services import normalise_email, set_password, update_profile
from app.catalogue.models import Course, Module
from app.cohorts.importing import ImportFileError, InviteeRow, RowError, validate_rows
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, Invitation, ModuleRelease
from app.errors import DomainError
from app.extensions import db
from app.links import absolute_url
from app.mail.compose import mail_user
from app.progress.services import initialise_enrolment
from app.regions import LAENDER, district

SEAT_TAKING = (EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


# --- cohorts -------------------------------------------------------------------------------------

def _check_cohort_fields(name: str, land: str, district_ags: str | None, starts_on: date, ends_on: date | None, seats: int,
                         cohort: Cohort | None = None) -> None:
    if not name.strip():
        raise DomainError(_("Bitte geben Sie einen Namen an."))
    clash = db.session.scalar(select(Cohort.id).where(Cohort.name == name.strip()))
    if clash is not None and (cohort is None or clash != cohort.id):
        raise DomainError(_("Eine Kohorte mit diesem Namen gibt es bereits."))
    if land not in LAENDER:
        raise DomainError(_("Bitte wählen Sie ein Land."))
    if district_ags:
        found = district(district_ags)
        if found is None or found.land != land:
            raise DomainError(_("Der Kreis liegt nicht im gewählten Land."))
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("Das Ende liegt vor dem Beginn."))
    if seats < 1:
        raise DomainError(_("Eine Kohorte braucht mindestens einen Platz."))
    if cohort is not None and seats < occupied_seats(cohort):
        raise DomainError(_("Es sind bereits %(n)d Plätze belegt; weniger Plätze sind nicht möglich.", n=occupied_seats(cohort)))


def create_cohort(course: Course, name: str, land: str, district_ags: str | None, starts_on: date, ends_on: date | None,
                  seats: int, trainers: list[User]) -> Cohort:
    _check_cohort_fields(name, land, district_ags, starts_on, ends_on, seats)
    if any(t.role != Role.TRAINER for t in trainers):
        raise DomainError(_("Nur Konten mit der Rolle Trainer:in können eine Kohorte betreuen."))
    cohort = Cohort(course=course, name=name.strip(), land=land, district_ags=district_ags or None,
                    starts_on=starts_on, ends_on=ends_on, seats=seats)
    cohort.trainers.extend(trainers)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def update_cohort(cohort: Cohort, name: str, land: str, district_ags: str | None, starts_on: date, ends_on: date | None,
                  seats: int) -> None:
    _check_cohort_fields(name, land, district_ags, starts_on, ends_on, seats, cohort=cohort)
    cohort.name, cohort.land, cohort.district_ags = name.strip(), land, district_ags or None
    cohort.starts_on, cohort.ends_on, cohort.seats = starts_on, ends_on, seats
    db.session.flush()


def set_trainers(cohort: Cohort, trainers: list[User]) -> None:
    if any(t.role != Role.TRAINER for t in trainers):
        raise DomainError(_("Nur Konten mit der Rolle Trainer:in können eine Kohorte betreuen."))
    cohort.trainers[:] = list({t.id: t for t in trainers}.values())
    db.session.flush()


def set_module_releases(cohort: Cohort, opens_on: dict[int, date | None], release_locks: bool | None = None) -> None:
    """Module id → the date it opens for this cohort; None removes an override (default date again).
    ``release_locks``: whether modules stay locked until their date (None: unchanged)."""
    if release_locks is not None:
        cohort.release_locks = release_locks
    module_ids = set(db.session.scalars(select(Module.id).where(Module.course_id == cohort.course_id)))
    existing = {r.module_id: r for r in cohort.module_releases}
    for module_id, day in opens_on.items():
        if module_id not in module_ids:
            raise DomainError(_("Dieses Modul gehört nicht zum Kurs der Kohorte."))
        row = existing.get(module_id)
        if day is None:
            if row is not None:
                cohort.module_releases.remove(row)
        elif row is None:
            cohort.module_releases.append(ModuleRelease(module_id=module_id, opens_on=day))
        else:
            row.opens_on = day
    db.session.flush()


def occupied_seats(cohort: Cohort) -> int:
    return db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SEAT_TAKING))
    ) or 0


def free_seats(cohort: Cohort) -> int:
    return max(cohort.seats - occupied_seats(cohort), 0)


# --- invitations ---------------------------------------------------------------------------------

ROW_MESSAGES = {
    ("email", "required"): lambda p: _("E-Mail-Adresse fehlt."),
    ("email", "invalid"): lambda p: _("„%(value)s“ ist keine gültige E-Mail-Adresse.", value=p[0]),
    ("email", "duplicate"): lambda p: _("Diese Adresse steht schon in Zeile %(line)d.", line=p[0]),
    ("email", "enrolled"): lambda p: _("Diese Person ist bereits in der Kohorte."),
    ("email", "role"): lambda p: _("Zu dieser Adresse gehört ein Konto, das nicht als Lernende:r eingeschrieben werden kann."),
    ("email", "inactive"): lambda p: _("Das Konto zu dieser Adresse ist gesperrt."),
    ("district", "unknown"): lambda p: _("Kreis „%(value)s“ unbekannt: bitte den AGS (5 Ziffern) oder den amtlichen Namen angeben.", value=p[0]),
    ("district", "ambiguous"): lambda p: _("Kreis „%(value)s“ ist mehrdeutig (Stadt oder Landkreis?): bitte den AGS angeben.", value=p[0]),
}


def row_error_message(error: RowError) -> str:
    if error.code == "too_long":
        return _("Zu lang (höchstens %(n)d Zeichen).", n=error.params[0])
    make = ROW_MESSAGES.get((error.field, error.code))
    return make(error.params) if make else error.code


def file_error_message(exc: ImportFileError) -> str:
    return {
        "encoding": _("Die Datei ist weder UTF-8 noch Windows-1252 kodiert."),
        "csv": _("Die CSV-Datei ist fehlerhaft und kann nicht gelesen werden."),
        "xlsx": _("Die Excel-Datei ist beschädigt oder keine XLSX-Datei."),
        "too_large": _("Die Datei ist zu groß (höchstens %(n)d MB).", n=exc.params.get("limit", 2)),
        "too_many": _("Zu viele Zeilen (höchstens %(n)d).", n=exc.params.get("limit", 500)),
        "empty": _("Die Liste ist leer."),
        "type": _("Bitte laden Sie eine CSV- oder XLSX-Datei hoch."),
        "header": _("Die erste Zeile muss die Spaltennamen enthalten (Name, E-Mail, Kommune, Kreis, Position)."),
    }.get(exc.code, _("Die Datei kann nicht gelesen werden."))


@dataclass
class Preview:
    rows: list[InviteeRow]
    problems: list[str]  # problems of the whole list (seats)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.rows)

    @property
    def new_accounts(self) -> int:
        return sum(1 for r in self.rows if not r.existing_account)


def preview_invitations(cohort: Cohort, rows: list[InviteeRow]) -> Preview:
    """Checks every row, including against the database, and writes nothing."""
    validate_rows(rows)
    emails = [r.email for r in rows if r.ok]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    enrolled = set(db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id.in_([u.id for u in users.values()]))
    )) if users else set()
    for row in rows:
        user = users.get(row.email)
        row.existing_account = user is not None
        if user is None:
            continue
        if user.id in enrolled:
            row.errors.append(RowError("email", "enrolled"))
        elif user.role != Role.LEARNER:
            row.errors.append(RowError("email", "role"))
        elif not user.active:
            row.errors.append(RowError("email", "inactive"))
    problems = []
    free = free_seats(cohort)
    if len(rows) > free:
        problems.append(_("Die Kohorte hat nur noch %(free)d freie Plätze, die Liste enthält %(n)d Personen.", free=free, n=len(rows)))
    return Preview(rows, problems)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send_invitation(enrolment: Enrolment, invited_by: User | None) -> Invitation:
    days = int(current_app.config.get("INVITATION_DAYS", 14))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(enrolment=enrolment, token_hash=_token_hash(token), invited_by_id=invited_by.id if invited_by else None,
                            expires_at=clock.now() + timedelta(days=days))
    db.session.add(invitation)
    user, cohort = enrolment.user, enrolment.cohort
    mail_user(user, "mail/cohort_invitation.txt", _l("Einladung zur Qualifizierung „%(course)s“", course=cohort.course.title),
              cohort=cohort, link=absolute_url("cohorts.accept_invitation", token=token), days=days,
              expires_on=clock.local_date(clock.now() + timedelta(days=days)), invited_by=invited_by)
    return invitation


def _notify_enrolled(enrolment: Enrolment) -> None:
    user, cohort = enrolment.user, enrolment.cohort
    mail_user(user, "mail/cohort_enrolled.txt", _l("Sie sind in der Kohorte „%(name)s“ eingeschrieben", name=cohort.name),
              cohort=cohort, link=absolute_url("learning.dashboard"))


@dataclass
class InviteResult:
    invited: int = 0  # new accounts (or accounts without a password yet) with an invitation link
    enrolled: int = 0  # existing accounts, enrolled directly


def invite(cohort: Cohort, rows: list[InviteeRow], invited_by: User | None) -> InviteResult:
    """All or nothing: checks every row again; if any row or the seat count is wrong nothing is
    written and a DomainError says so. New people get an account without a password and a
    single-use invitation link; registered learners are enrolled without a new account."""
    preview = preview_invitations(cohort, rows)
    if not preview.ok:
        raise DomainError(" ".join(preview.problems) or _("Die Liste enthält Fehler; es wurde nichts importiert."))
    result = InviteResult()
    with db.session.begin_nested():  # a failure half-way rolls back every row of this import
        for row in rows:
            user = db.session.scalar(select(User).where(User.email == normalise_email(row.email)))
            if user is None:
                user = User(email=normalise_email(row.email), name=row.name or row.email.split("@")[0], role=Role.LEARNER,
                            password_hash=None, municipality=row.municipality or None, position=row.position or None,
                            district_ags=row.district_ags, land=row.district_ags[:2] if row.district_ags else None)
                db.session.add(user)
            has_password = bool(user.password_hash)
            enrolment = Enrolment(user=user, cohort=cohort,
                                  status=EnrolmentStatus.ACTIVE if has_password else EnrolmentStatus.INVITED)
            db.session.add(enrolment)
            db.session.flush()
            initialise_enrolment(enrolment)
            if has_password:
                _notify_enrolled(enrolment)
                result.enrolled += 1
            else:
                _send_invitation(enrolment, invited_by)
                result.invited += 1
        db.session.flush()
    return result


def resend_invitation(enrolment: Enrolment, invited_by: User | None) -> Invitation:
    """A new link for someone who has not accepted yet; earlier links stop working."""
    if enrolment.status != EnrolmentStatus.INVITED:
        raise DomainError(_("Nur offene Einladungen können erneut gesendet werden."))
    _revoke_open_invitations(enrolment)
    invitation = _send_invitation(enrolment, invited_by)
    db.session.flush()
    return invitation


def _revoke_open_invitations(enrolment: Enrolment) -> None:
    now = clock.now()
    for row in db.session.scalars(
        select(Invitation).where(Invitation.enrolment_id == enrolment.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
    ):
        row.revoked_at = now


def find_invitation(token: str) -> Invitation | None:
    """The invitation if the link is known, unused, not revoked, not expired, and still open."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or row.revoked_at is not None or row.expires_at < clock.now():
        return None
    if row.enrolment.status != EnrolmentStatus.INVITED:
        return None
    return row


def accept_invitation(token: str, password: str, name: str, municipality: str | None, district_ags: str | None,
                      position: str | None) -> User:
    invitation = find_invitation(token)
    if invitation is None:
        raise DomainError(_("Dieser Einladungslink ist abgelaufen oder wurde bereits benutzt. Bitte wenden Sie sich an Ihre Trainerin oder Ihren Trainer."))
    enrolment = invitation.enrolment
    user = enrolment.user
    update_profile(user, name, municipality, district_ags, position)
    set_password(user, password)
    invitation.used_at = clock.now()
    # Other open invitations of the same person (other cohorts) are accepted with this one.
    for other in db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.INVITED)
    ):
        other.status = EnrolmentStatus.ACTIVE
        if other.id != enrolment.id:
            _revoke_open_invitations(other)
    enrolment.status = EnrolmentStatus.ACTIVE
    db.session.flush()
    return user


# --- enrolments ----------------------------------------------------------------------------------

def withdraw_enrolment(enrolment: Enrolment) -> None:
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise DomainError(_("Diese Einschreibung ist bereits zurückgezogen."))
    _revoke_open_invitations(enrolment)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.flush()


def reactivate_enrolment(enrolment: Enrolment) -> None:
    """Back to where the person was: completed, active, or (never accepted) invited."""
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        raise DomainError(_("Nur zurückgezogene Einschreibungen können reaktiviert werden."))
    if free_seats(enrolment.cohort) < 1:
        raise DomainError(_("Die Kohorte hat keinen freien Platz mehr."))
    if enrolment.completed_at is not None:
        enrolment.status = EnrolmentStatus.COMPLETED
    elif enrolment.user.password_hash:
        enrolment.status = EnrolmentStatus.ACTIVE
    else:
        enrolment.status = EnrolmentStatus.INVITED
    db.session.flush()


def move_enrolment(enrolment: Enrolment, target: Cohort) -> None:
    """Moves a learner to another cohort of the same course; the enrolment and with it every
    completed item, attempt and certificate goes along."""
    if target.id == enrolment.cohort_id:
        raise DomainError(_("Die Person ist bereits in dieser Kohorte."))
    if target.course_id != enrolment.cohort.course_id:
        raise DomainError(_("Verschieben ist nur zwischen Kohorten desselben Kurses möglich."))
    if db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == target.id, Enrolment.user_id == enrolment.user_id)):
        raise DomainError(_("Die Person ist in der Zielkohorte bereits eingeschrieben."))
    if enrolment.status in SEAT_TAKING and free_seats(target) < 1:
        raise DomainError(_("Die Zielkohorte hat keinen freien Platz mehr."))
    enrolment.cohort = target
    db.session.flush()


# --- reminders -----------------------------------------------------------------------------------

def default_reminder_text(cohort: Cohort) -> str:
    return _(
        "Ihre Qualifizierung „%(course)s“ in der Kohorte „%(cohort)s“ läuft weiter. Wir haben bei Ihnen länger "
        "keine Aktivität gesehen: Nehmen Sie sich diese Woche eine Stunde Zeit für die nächste Lektion. Bei "
        "Fragen antworten Sie einfach Ihrer Trainerin oder Ihrem Trainer.",
        course=cohort.course.title, cohort=cohort.name,
    )


def send_reminders(cohort: Cohort, enrolments: list[Enrolment], subject: str, text: str, sent_by: User | None) -> int:
    """One mail per selected learner of this cohort; withdrawn enrolments are skipped."""
    if not subject.strip() or not text.strip():
        raise DomainError(_("Betreff und Text dürfen nicht leer sein."))
    if any(e.cohort_id != cohort.id for e in enrolments):
        raise DomainError(_("Erinnerungen gehen nur an Lernende dieser Kohorte."))
    recipients = [e for e in enrolments if e.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED)]
    if not recipients:
        raise DomainError(_("Bitte wählen Sie mindestens eine aktive Person aus."))
    link = absolute_url("learning.dashboard")
    for enrolment in recipients:
        user = enrolment.user
        mail_user(user, "mail/cohort_reminder.txt", subject.strip(), cohort=cohort, text=text.strip(),
                  sent_by=sent_by, link=link)
    db.session.flush()
    return len(recipients)


def accept_invitations_by_sign_on(user: User) -> int:
    """The first single sign-on of an invited person accepts their open invitations, as the
    invitation link would (without a password: the provider vouches for the person). Only
    invitations whose link would still work count; returns how many enrolments became active."""
    accepted = 0
    now = clock.now()
    for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.INVITED)
    ):
        open_links = db.session.scalars(
            select(Invitation).where(Invitation.enrolment_id == enrolment.id, Invitation.used_at.is_(None),
                                     Invitation.revoked_at.is_(None), Invitation.expires_at >= now)
        ).all()
        if not open_links:
            continue
        for invitation in open_links:
            invitation.used_at = now
        enrolment.status = EnrolmentStatus.ACTIVE
        accepted += 1
    db.session.flush()
    return accepted
