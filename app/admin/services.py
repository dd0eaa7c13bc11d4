"""Admin: the write API for users, roles, agency scopes, settings and the course import.
Services flush, never commit; the view commits."""
from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts.models import Role, User
from app.accounts.services import end_all_sessions
from app.admin.models import AgencyScope, Setting
from app.audit import services as audit
from app.errors import DomainError
from app.extensions import db
from app.regions import LAENDER

# Settings an admin changes in the UI: key → default value.
SETTINGS = {
    # Whether the certificate register (pages, exports, API) shows learners' names.
    "register_shows_names": "0",
}


def get_setting(key: str) -> str:
    if key not in SETTINGS:
        raise KeyError(key)
    value = db.session.scalar(select(Setting.value).where(Setting.key == key))
    return SETTINGS[key] if value is None else value


def setting_enabled(key: str) -> bool:
    return get_setting(key) == "1"


def set_setting(key: str, value: str, actor: User) -> bool:
    """Stores a setting; True when it changed."""
    if key not in SETTINGS:
        raise DomainError(_("Unbekannte Einstellung."))
    old = get_setting(key)
    if old == value:
        return False
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value, updated_by_id=actor.id))
    else:
        row.value, row.updated_by_id = value, actor.id
    audit.record("setting_changed", actor=actor, object_type="settings", object_id=key, old=old, new=value)
    db.session.flush()
    return True


def change_role(user: User, role: Role, actor: User) -> bool:
    """Gives `user` another role; True when it changed. An admin cannot change their own role (so
    that the last admin cannot lock everyone out by accident). Leaving the agency role drops the
    Länder the user was bound to. Rights are read on every request, so the change applies at once."""
    if user.id == actor.id:
        raise DomainError(_("Sie können Ihre eigene Rolle nicht ändern."))
    if user.role == role:
        return False
    old = user.role
    user.role = role
    if old == Role.AGENCY:
        db.session.execute(delete(AgencyScope).where(AgencyScope.user_id == user.id))
    audit.record("role_changed", actor=actor, obj=user, old=old.value, new=role.value)
    db.session.flush()
    return True


def set_active(user: User, active: bool, actor: User) -> bool:
    """Activates or deactivates an account; a deactivated user cannot log in, their sessions and
    API tokens stop working at once."""
    if user.id == actor.id and not active:
        raise DomainError(_("Sie können Ihr eigenes Konto nicht deaktivieren."))
    if user.active == active:
        return False
    user.active = active
    if not active:
        end_all_sessions(user)
    audit.record("account_activated" if active else "account_deactivated", actor=actor, obj=user)
    db.session.flush()
    return True


def agency_lands(user: User) -> list[str]:
    return sorted(db.session.scalars(select(AgencyScope.land).where(AgencyScope.user_id == user.id)))


def set_agency_laender(user: User, lands: list[str], actor: User | None = None) -> bool:
    """Binds an agency user to these Länder (replacing the previous ones); True when they changed."""
    if user.role != Role.AGENCY:
        raise DomainError(_("Länder können nur Personen mit der Rolle Agentur zugeordnet werden."))
    wanted = sorted(set(lands))
    if any(land not in LAENDER for land in wanted):
        raise DomainError(_("Bitte wählen Sie nur Länder aus der Liste."))
    old = agency_lands(user)
    if old == wanted:
        return False
    db.session.execute(delete(AgencyScope).where(AgencyScope.user_id == user.id))
    db.session.add_all(AgencyScope(user_id=user.id, land=land) for land in wanted)
    audit.record("agency_scope_changed", actor=actor, obj=user, old=old, new=wanted)
    db.session.flush()
    return True


def import_courses(path: Path, actor: User):
    """Validates and imports every course under `path` (nothing if any course has an error);
    returns the import reports and the problems found."""
    from app.catalogue.services import import_path

    reports, problems = import_path(path)
    if any(p.severity == "error" for p in problems):
        return reports, problems
    for report in reports:
        if report.created or report.updated or report.archived:
            audit.record("course_imported", actor=actor, object_type="courses", object_id=report.course,
                         created=report.created, updated=report.updated, archived=report.archived)
    db.session.flush()
    return reports, problems


def validate_courses(path: Path):
    from app.catalogue.services import validate_path

    return validate_path(path)
