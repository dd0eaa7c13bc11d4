"""The agency's exports as prepared downloads (app/exports): a table or the certificate register
as XLSX or CSV. The page checks the filters against the person's scope and passes them here as
JSON; the build reads the scope again, so a Land taken from an agency user since is not exported."""
from __future__ import annotations

import re
from datetime import date

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from app import clock
from app.accounts.models import User
from app.admin.services import setting_enabled
from app.audit import services as audit
from app.exports.services import Built, ExportError, Kind, register
from app.regions import ATTRIBUTION, LAENDER, district
from app.reporting import exports, queries, tables
from app.reporting.access import can_view_reports, scope_of

KIND = "reporting.table"
REGISTER = "zertifikatsregister"


def describe(f: queries.ReportFilter) -> str:
    parts = []
    if f.lands is not None:
        parts.append(_("Bereich: %(lands)s", lands=", ".join(LAENDER[c] for c in sorted(f.lands)) or "–"))
    if f.land:
        parts.append(_("Land: %(land)s", land=LAENDER[f.land]))
    if f.district:
        found = district(f.district)
        parts.append(_("Kreis: %(district)s", district=f"{found.name} ({found.ags})" if found else f.district))
    if f.start or f.end:
        parts.append(_("Zeitraum: %(start)s – %(end)s", start=format_date(f.start, "dd.MM.yyyy") if f.start else "…",
                       end=format_date(f.end, "dd.MM.yyyy") if f.end else "…"))
    if f.course_id:
        parts.append(_("Kurs: %(course)s", course=dict(queries.courses()).get(f.course_id, f.course_id)))
    if f.cohort_id:
        found = queries.cohorts_in_scope(f, ids=[f.cohort_id])
        parts.append(_("Kohorte: %(cohort)s", cohort=found[0]["name"] if found else f.cohort_id))
    return "; ".join(parts) or _("keine")


def suppression_note() -> str:
    return _("„•“: geheim gehalten – die Zahl betrifft weniger als %(n)s Personen oder ließe eine solche Zahl "
             "aus Summen errechnen.", n=tables.threshold())


def source(f: queries.ReportFilter, uses_region_data: bool) -> list[tuple[str, str]]:
    lines = [
        (_("Quelle"), _("%(site)s, Auswertung der Qualifizierung Smart City Manager:in", site=current_app.config["SITE_NAME"])),
        (_("Stand"), format_date(clock.today(), "dd.MM.yyyy")),
        (_("Filter"), describe(f)),
        (_("Hinweis"), suppression_note()),
    ]
    if uses_region_data:
        lines.append((_("Kreisdaten"), ATTRIBUTION))
    return lines


def filename(name: str, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"smart-city-{slug}-{clock.today():%Y-%m-%d}.{extension}"


def register_total(f: queries.ReportFilter) -> int:
    """How many rows the register export will have (for the choice: at once or in the background)."""
    return tables.register_rows(f, 1, 1, setting_enabled("register_shows_names"))[1]


# -- parameters: the filter as JSON and back ---------------------------------------------------------

def params_of(name: str, fmt: str, f: queries.ReportFilter, granularity: str) -> dict:
    return {"name": name, "fmt": fmt, "granularity": granularity, "lands": sorted(f.lands) if f.lands is not None else None,
            "start": f.start.isoformat() if f.start else None, "end": f.end.isoformat() if f.end else None,
            "course_id": f.course_id, "cohort_id": f.cohort_id, "land": f.land, "district": f.district}


def filter_of(params: dict, user: User) -> queries.ReportFilter:
    """The filter as asked for, within the person's scope now."""
    scope = scope_of(user)
    return queries.ReportFilter(
        lands=scope, start=date.fromisoformat(params["start"]) if params.get("start") else None,
        end=date.fromisoformat(params["end"]) if params.get("end") else None, course_id=params.get("course_id"),
        cohort_id=params.get("cohort_id"), land=params.get("land"), district=params.get("district"))


def may_download(user: User, params: dict) -> bool:
    """A report role still, and every Land of the scope the export was asked in still in scope."""
    if not can_view_reports(user):
        return False
    scope = scope_of(user)
    if scope is None:
        return True
    asked = params.get("lands")
    return asked is not None and set(asked) <= scope and (not params.get("land") or params["land"] in scope)


def title(name: str, fmt: str) -> str:
    return _("Bericht „%(title)s“ (%(format)s)", title=tables.table_titles().get("register" if name == REGISTER else name, name),
             format=fmt.upper())


def build(user: User, params: dict, target, progress) -> Built:
    name, fmt = params["name"], params["fmt"]
    f = filter_of(params, user)
    if name == REGISTER:
        with_names = setting_enabled("register_shows_names")
        rows, _total = tables.register_rows(f, 1, 1_000_000, with_names)
        result = [tables.register_table(rows, with_names)]
    elif name in tables.TABLES:
        result = tables.build(name, f, params.get("granularity") or "month")
    else:
        raise ExportError("gone")
    lines = source(f, any(t.uses_region_data for t in result))
    if fmt == "csv":
        body, mimetype = exports.to_csv(result, lines, progress), "text/csv"
    else:
        body, mimetype = exports.to_xlsx(result, lines, progress), exports.XLSX_MIMETYPE
    target.write(body)
    audit.record("data_exported", actor=user, object_type="report", object_id=name, format=fmt,
                 rows=sum(len(t.rows) for t in result), filters=describe(f))
    return Built(filename(name, fmt), mimetype)


def subscribe() -> None:
    register(Kind(KIND, build, may_download, unit="rows", immediate_setting="EXPORT_IMMEDIATE_ROWS"))
