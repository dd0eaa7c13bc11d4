"""The cohort's progress matrix (filtered and sorted by the query string) and its CSV and XLSX
exports, which contain the rows the matrix shows."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.cohorts import downloads, matrix
from app.cohorts.access import cohort_or_404
from app.cohorts.downloads import INACTIVE_DAYS
from app.cohorts.models import Cohort
from app.cohorts.routes import STAFF, bp, status_labels
from app.exports.routes import offer
from app.security import role_required


def _matrix(cohort: Cohort):
    return downloads.matrix_view(cohort, request.args)


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
        # the checkbox's label per row, translated once: formatted in the template as _() would
        # format it (Markup: the translation is trusted, the name escaped)
        select_label=Markup(_("%(name)s auswählen")),
        # every learner of the cohort is in `rows` (filters apply to `shown`): their ids, without a query
        attendance=cohort_attendance(cohort, now, [row.learner.enrolment_id for row in rows]),
        min_attendance=minimum_attendance(cohort.course.completion),
    )


def _export(cohort_id: int, fmt: str):
    """The rows the matrix shows (same filters and order); a large cohort's file is prepared in
    the background (app/exports)."""
    cohort = cohort_or_404(current_user, cohort_id)
    return offer(downloads.KIND, downloads.params_of(cohort, fmt, request.args), downloads.title(cohort, fmt),
                 estimate=downloads.row_estimate(cohort))


@bp.route("/kohorten/<int:cohort_id>/matrix.csv", methods=["GET", "POST"])
@role_required(*STAFF)
def export_csv(cohort_id: int):
    return _export(cohort_id, "csv")


@bp.route("/kohorten/<int:cohort_id>/matrix.xlsx", methods=["GET", "POST"])
@role_required(*STAFF)
def export_xlsx(cohort_id: int):
    return _export(cohort_id, "xlsx")
