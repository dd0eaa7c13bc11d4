"""Who may see and run which session. Views ask these; templates get booleans."""
from __future__ import annotations

from flask import abort

from app.cohorts.access import can_manage_cohort
from app.extensions import db
from app.security import can_take_part_in_cohort
from app.sessions.models import LiveSession


def can_see_session(user, session: LiveSession) -> bool:
    return can_take_part_in_cohort(user, session.cohort)


def can_manage_session(user, session: LiveSession) -> bool:
    """Edit, delete and record attendance: the cohort's trainers and admins."""
    return can_manage_cohort(user, session.cohort)


def session_or_404(user, session_id: int, manage: bool = False) -> LiveSession:
    session = db.session.get(LiveSession, session_id)
    if session is None or not can_see_session(user, session):
        abort(404)
    if manage and not can_manage_session(user, session):
        abort(404)
    return session
