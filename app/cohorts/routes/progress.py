"""The cohort's progress matrix (filtered and sorted by the query string) and its CSV and XLSX
exports, which contain the rows the matrix shows."""
from __future__ import annotations

from datetime import datetime

from flask import Response, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from app.cohorts import exports, matrix, queries
from app.cohorts.access import cohort_or_404
from app.cohorts.models import Cohort
from app.cohorts.routes import STAFF, bp, status_labels
from app.db import utcnow
from app.regions import district
from app.security import role_required

INACTIVE_DAYS = 14


def _matrix(cohort: Cohort):
    columns, rows = queries.progress_matrix(cohort)
    now = utcnow()
    only_inactive = request.args.get("filter") == "inactive"
    shown = matrix.filter_rows(rows, now, INACTIVE_DAYS if only_inactive else None)
    if request.args.get("status") in status_labels():
        shown = [r for r in shown if r.learner.status == request.args["status"]]
    if request.args.get("waiting"):
        waiting = queries.enrolments_waiting_for_grading(cohort)
        shown = [r for r in shown if r.learner.enrolment_id in waiting]
    sort = request.args.get("sort", "name")
    descending = request.args.get("order") == "desc"
    shown = matrix.sort_rows(shown, sort, descending)
    return columns, rows, shown, now, sort, descending, only_inactive


@bp.get("/kohorten/<int:cohort_id>/matrix")
@role_required(*STAFF)
def progress(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    columns, rows, shown, now, sort, descending, only_inactive = _matrix(cohort)
    from app.sessions.attendance import minimum_attendance
    from app.sessions.queries import cohort_attendance

    return render_template(
        "cohorts/matrix.html", cohort=cohort, columns=columns, rows=shown, totals=matrix.totals(shown, columns, now, INACTIVE_DAYS),
        all_count=len(rows), now=now, sort=sort, descending=descending, only_inactive=only_inactive,
        inactive_days=INACTIVE_DAYS, status_labels=status_labels(), status=request.args.get("status", ""),
        only_waiting=bool(request.args.get("waiting")),
        attendance=cohort_attendance(cohort, now), min_attendance=minimum_attendance(cohort.course.completion),
    )


def _export_table(cohort: Cohort) -> list[list]:
    columns, _all_rows, shown = _matrix(cohort)[:3]
    labels = {
        "name": _("Name"), "email": _("E-Mail"), "municipality": _("Kommune"), "district": _("Kreis"), "status": _("Status"),
        "lessons": _("Lektionen"), "quiz": _("Wissenscheck"), "assignment": _("Aufgabe"), "progress": _("Fortschritt (%)"),
        "activity": _("Letzte Aktivität"), "passed": _("bestanden"), "open": _("offen"), "none": "–", **status_labels(),
    }

    def district_name(ags):
        found = district(ags)
        return f"{found.name} ({found.ags})" if found else ""

    return matrix.table(shown, columns, labels, district_name=district_name,
                        format_time=lambda value: format_datetime(value, "dd.MM.yyyy HH:mm"))


def _filename(cohort: Cohort, extension: str) -> str:
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", cohort.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "kohorte"
    return f"fortschritt-{slug}-{datetime.now():%Y-%m-%d}.{extension}"


@bp.get("/kohorten/<int:cohort_id>/matrix.csv")
@role_required(*STAFF)
def export_csv(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    return Response(exports.to_csv(_export_table(cohort)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_filename(cohort, "csv")}"', "Cache-Control": "no-store",
    })


@bp.get("/kohorten/<int:cohort_id>/matrix.xlsx")
@role_required(*STAFF)
def export_xlsx(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    return Response(
        exports.to_xlsx(_export_table(cohort), sheet_title=cohort.name),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(cohort, "xlsx")}"', "Cache-Control": "no-store"},
    )
