"""Who is in, and who may search, the directory.

Listed: only people with a valid (not revoked, not expired) certificate who gave consent.
Searching: certified managers (the whole directory — cooperation crosses Land borders), agency
users (their own Land only, like every agency view), admins."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select

from app import clock
from app.accounts.models import Role, User
from app.certificates.models import Certificate, CertificateStatus
from app.cohorts.models import Enrolment
from app.extensions import db


def certified_user_ids(today: date | None = None) -> Select:
    today = today or clock.today()
    return (
        select(Enrolment.user_id).join(Certificate, Certificate.enrolment_id == Enrolment.id)
        .where(Certificate.status == CertificateStatus.VALID,
               or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today))
    )


def is_certified(user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(certified_user_ids().where(Enrolment.user_id == user.id).limit(1)) is not None


def can_list_self(user: User) -> bool:
    return is_certified(user)


def agency_laender(user: User) -> set[str]:
    """The Länder an agency user is bound to (admin feature `AgencyScope`); an agency user without
    any sees nothing."""
    try:
        from app.admin.models import AgencyScope
    except ImportError:  # before the admin feature: the Land of the user's own profile
        return {user.land} if user.land else set()
    return set(db.session.scalars(select(AgencyScope.land).where(AgencyScope.user_id == user.id)))


def search_scope(user: User) -> tuple[bool, set[str] | None]:
    """(may search, the Länder searched — None for all)."""
    if not getattr(user, "is_authenticated", False):
        return False, None
    if user.role == Role.ADMIN:
        return True, None
    if user.role == Role.AGENCY:
        laender = agency_laender(user)
        return (True, laender) if laender else (False, None)
    return is_certified(user), None
