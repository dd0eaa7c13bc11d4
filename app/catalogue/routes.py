from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app.catalogue.models import Course, MediaFile
from app.extensions import db

bp = Blueprint("catalogue", __name__)


@bp.get("/medien/<course_slug>/<path:path>")
@login_required
def media(course_slug: str, path: str):
    from app.learning.access import course_or_404, require_access

    course = course_or_404(course_slug)
    require_access(current_user, course)
    row = db.session.scalar(select(MediaFile).where(MediaFile.course_id == course.id, MediaFile.path == path))
    if row is None:
        abort(404)
    if request.if_none_match and row.sha256 in request.if_none_match:
        return Response(status=304)
    response = Response(row.data, mimetype=row.content_type)
    response.set_etag(row.sha256)
    response.headers["Cache-Control"] = "private, max-age=3600"
    if not row.content_type.startswith("image/"):
        response.headers["Content-Disposition"] = f'attachment; filename="{path.rsplit("/", 1)[-1]}"'
    return response
