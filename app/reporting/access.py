"""Who sees which figures: admins every Land, agency users the Länder an admin bound them to
(`agency_scopes`), everyone else none. Only aggregates and the certificate register, never
answers or submissions."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role, User
from app.admin.models import AgencyScope
from app.extensions import db

REPORT_ROLES = (Role.AGENCY, Role.ADMIN)


def can_view_reports(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.active and user.role in REPORT_ROLES


def scope_of(user: User) -> frozenset[str] | None:
    """The Länder `user` may see: None for all (admins), a set — possibly empty — for agency users."""
    if user.role == Role.ADMIN:
        return None
    if user.role != Role.AGENCY:
        return frozenset()
    return frozenset(db.session.scalars(select(AgencyScope.land).where(AgencyScope.user_id == user.id)))
