"""Pages that belong to no feature: start page, health check, language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from app.core.legal import legal_html
from app.files import get_store
from app.extensions import csrf, db

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    return redirect(url_for("accounts.login"))


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """For load balancers: the database answers and the file store is writable (local) or its
    bucket answers (S3)."""
    checks, status = {}, 200
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # the reason, not a traceback
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", exc)
        checks["database"], status = "unreachable", 503
    store = get_store()
    checks["files"] = store.check()
    if checks["files"] != "ok":
        current_app.logger.warning("health check: file store %r: %s", store, checks["files"])
        status = 503
    return jsonify({"status": "ok" if status == 200 else "error", **checks}), status


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths are followed after login or a language switch."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.get("/impressum")
def imprint():
    return render_template("core/legal.html", title=_("Impressum"), html=legal_html("impressum"))


@bp.get("/datenschutz")
def privacy():
    return render_template("core/legal.html", title=_("Datenschutzerklärung"), html=legal_html("datenschutz"))


@bp.get("/barrierefreiheit")
def accessibility():
    return render_template("core/legal.html", title=_("Erklärung zur Barrierefreiheit"), html=legal_html("barrierefreiheit"))


@bp.post("/sprache")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("core.index")))
