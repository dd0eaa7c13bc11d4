""""Meine Downloads": the status page of one prepared file (updating itself, or with an
"Aktualisieren" link without JavaScript), its download, "Erneut versuchen", the list of one's
recent files — and `offer()`, with which a feature's export page hands a file over."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.exports import services
from app.exports.models import Export, ExportStatus
from app.extensions import db
from app.files import StorageUnavailable
from app.files.download import send_stored_file

bp = Blueprint("exports", __name__)

POLL_MILLISECONDS = 1500


def offer(kind_name: str, params: dict, title: str, estimate: int):
    """For a feature's export route, after it has checked access: a small file is built and sent
    at once; a larger one is asked for on a page with a button (POST, so no link and no crawler
    starts a build) and prepared in the background — the POST redirects to its status page."""
    kind = services.KINDS[kind_name]
    if services.build_at_once(kind, estimate):
        spool, built = services.build_now(kind, current_user, params)
        db.session.commit()  # what the builder recorded (the audit event of the export)
        response = send_file(spool, mimetype=built.content_type, as_attachment=True, download_name=built.filename, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    if request.method != "POST":
        return render_template("exports/confirm.html", title=title, estimate=estimate, unit=kind.unit,
                               back=request.referrer if _same_site(request.referrer) else None)
    export = services.request_export(current_user, kind_name, params, title, total=estimate or None)
    db.session.commit()
    return redirect(url_for("exports.status", export_id=export.id), 303)


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


def _own_export_or_404(export_id: int) -> Export:
    export = db.session.get(Export, export_id)
    if export is None or export.user_id != current_user.id:
        abort(404)  # someone else's file is as unknown as a missing one
    return export



def progress_text(export: Export) -> str:
    done = format_decimal(export.done or 0)
    if export.total:
        total = format_decimal(export.total)
        if export.unit == "files":
            return _("%(done)s von %(total)s Dateien", done=done, total=total)
        if export.unit == "certificates":
            return _("%(done)s von %(total)s Zertifikaten", done=done, total=total)
        return _("%(done)s von %(total)s Zeilen", done=done, total=total)
    return ""


def error_text(export: Export) -> str:
    return {
        "gone": _("Was exportiert werden sollte, gibt es nicht mehr."),
        "denied": _("Sie haben keinen Zugriff mehr auf diese Daten."),
        "storage": _("Der Dateispeicher war nicht erreichbar."),
    }.get(export.error or "", _("Bei der Erstellung ist ein Fehler aufgetreten."))


def status_labels() -> dict[ExportStatus, str]:
    return {ExportStatus.PENDING: _("wartet"), ExportStatus.RUNNING: _("wird erstellt"), ExportStatus.READY: _("fertig"),
            ExportStatus.FAILED: _("fehlgeschlagen"), ExportStatus.EXPIRED: _("abgelaufen")}


def _context(export: Export) -> dict:
    return {"export": export, "progress_text": progress_text(export), "error_text": error_text(export),
            "stale": services.is_stale(export), "allowed": services.may_download(current_user, export),
            "ExportStatus": ExportStatus, "poll": POLL_MILLISECONDS}


@bp.get("/meine-downloads")
@login_required
def index():
    return render_template("exports/index.html", exports=services.recent_exports(current_user), labels=status_labels(),
                           ExportStatus=ExportStatus, progress_text=progress_text)


@bp.get("/meine-downloads/<int:export_id>")
@login_required
def status(export_id: int):
    export = _own_export_or_404(export_id)
    return render_template("exports/status.html", **_context(export))


@bp.get("/meine-downloads/<int:export_id>/stand")
@login_required
def fragment(export_id: int):
    """The changing part of the status page, for its script."""
    export = _own_export_or_404(export_id)
    response = current_app.make_response(render_template("exports/_status.html", **_context(export)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/meine-downloads/<int:export_id>/datei")
@login_required
def download(export_id: int):
    export = _own_export_or_404(export_id)
    if not services.may_download(current_user, export):
        abort(403)  # e.g. a trainer no longer assigned to the cohort
    if export.status != ExportStatus.READY or not export.file_key:
        return redirect(url_for("exports.status", export_id=export.id))
    try:
        return send_stored_file(export.file_key, filename=export.filename, content_type=export.content_type)
    except StorageUnavailable:
        current_app.logger.exception("file store unavailable for an export download")
        abort(503)
    except (OSError, KeyError):
        abort(404)


@bp.post("/meine-downloads/<int:export_id>/erneut")
@login_required
def retry(export_id: int):
    export = _own_export_or_404(export_id)
    if not services.may_download(current_user, export):
        abort(403)
    if services.retry_export(export):
        db.session.commit()
        flash(_("Die Datei wird noch einmal erstellt."), "info")
    return redirect(url_for("exports.status", export_id=export.id), 303)
