from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import navigation
from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.audit.services import ACTIONS
from app.extensions import db
from app.security import role_required

bp = Blueprint("audit", __name__)
PAGE_SIZE = 100


@bp.get("/admin/protokoll")
@role_required(Role.ADMIN)
def log():
    action = request.args.get("action", "")
    page = max(request.args.get("page", 1, type=int), 1)
    query = select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action in ACTIONS:
        query = query.where(AuditEvent.action == action)
    events = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template(
        "audit/log.html", events=events[:PAGE_SIZE], has_next=len(events) > PAGE_SIZE, page=page,
        action=action, actions=ACTIONS,
    )


navigation.register("audit.log", lambda: _("Protokoll"), {"admin"}, order=80)
