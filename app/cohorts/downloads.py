"""The trainer's progress matrix as CSV or XLSX, also as a prepared download (app/exports): the
rows the matrix shows with the filters and order of the page, built at once for a usual cohort
and by a job for a large one. The matrix page reads its view through `page_view` (the same
filters and order, its cohort through the access rule)."""
from __future__ import annotations

import re
import unicodedata
from flask_babel import format_datetime
from flask_babel import gettext as _

from app import clock
from app.accounts.models import User
from app.cohorts import exports, matrix, queries
from app.cohorts.access import can_manage_cohort
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.exports.services import Built, ExportError, Kind, register
from app.extensions import db
from app.regions import district

KIND = "cohorts.progress_matrix"
INACTIVE_DAYS = 14
VIEW_ARGS = ("filter", "status", "waiting", "sort", "order")  # the query string of the matrix page
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


STATUSES = ("invited", "active", "completed", "withdrawn")  # the enrolment states the matrix filters by


def status_labels() -> dict[str, str]:
    return dict(zip(STATUSES, (_("eingeladen"), _("aktiv"), _("abgeschlossen"), _("zurückgezogen"))))


def matrix_view(cohort: Cohort, args) -> tuple:
    """The matrix as an export of it shows it, from the page's query arguments (see _view)."""
    now = clock.now()
    return _view(cohort, *queries.matrix_page(cohort, now), now, args)


def page_view(user: User, cohort_id: int, args) -> tuple[queries.MatrixPage, tuple] | None:
    """The matrix page's reads (queries.matrix_page_for: the cohort through the access rule, and
    the navigation badge's count) and the matrix as the page shows it (_view); None when the user
    may not manage the cohort."""
    now = clock.now()
    page = queries.matrix_page_for(user, cohort_id, now)
    if page.cohort is None:
        return None
    return page, _view(page.cohort, page.columns, page.rows, page.attendance, now, args)


def _view(cohort, columns, rows, attendance, now, args) -> tuple:
    """The matrix filtered and sorted by the page's query arguments; last, each learner's
    attendance (enrolment id → sessions.attendance.Summary), which the page shows."""
    only_inactive = args.get("filter") == "inactive"
    shown = matrix.filter_rows(rows, now, INACTIVE_DAYS if only_inactive else None)
    if args.get("status") in STATUSES:
        shown = [r for r in shown if r.learner.status == args["status"]]
    if args.get("waiting"):
        waiting = queries.enrolments_waiting_for_grading(cohort)
        shown = [r for r in shown if r.learner.enrolment_id in waiting]
    sort = args.get("sort") or "name"
    descending = args.get("order") == "desc"
    shown = matrix.sort_rows(shown, sort, descending)
    return columns, rows, shown, now, sort, descending, only_inactive, attendance


def export_table(cohort: Cohort, args) -> list[list]:
    columns, _all_rows, shown = matrix_view(cohort, args)[:3]
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


def filename(cohort: Cohort, extension: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", cohort.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "kohorte"
    return f"fortschritt-{slug}-{clock.today():%Y-%m-%d}.{extension}"


def row_estimate(cohort: Cohort) -> int:
    """Every enrolment of the cohort (the largest the export can be), counted without loading them."""
    from sqlalchemy import func, select

    return db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)) or 0


def params_of(cohort: Cohort, fmt: str, args) -> dict:
    return {"cohort_id": cohort.id, "fmt": fmt, **{key: args.get(key) for key in VIEW_ARGS if args.get(key)}}


def title(cohort: Cohort, fmt: str) -> str:
    return _("Fortschritt der Kohorte „%(name)s“ (%(format)s)", name=cohort.name, format=fmt.upper())


def may_download(user: User, params: dict) -> bool:
    """Still a trainer of the cohort (or an admin)."""
    cohort = db.session.get(Cohort, params.get("cohort_id"))
    return cohort is not None and can_manage_cohort(user, cohort)


def build(user: User, params: dict, target, progress) -> Built:
    cohort = db.session.get(Cohort, params["cohort_id"])
    if cohort is None:
        raise ExportError("gone")
    table = export_table(cohort, params)
    if params.get("fmt") == "csv":
        target.write(exports.to_csv(table, progress))
        return Built(filename(cohort, "csv"), "text/csv")
    target.write(exports.to_xlsx(table, sheet_title=cohort.name, progress=progress))
    return Built(filename(cohort, "xlsx"), XLSX_MIMETYPE)


def subscribe() -> None:
    register(Kind(KIND, build, may_download, unit="rows", immediate_setting="EXPORT_IMMEDIATE_ROWS"))
