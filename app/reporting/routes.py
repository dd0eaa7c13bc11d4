"""The agency's pages: dashboard, detail tables, exports and the certificate register."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from app import navigation
from app.accounts.forms import district_choices, land_choices
from app.admin.services import setting_enabled
from app.exports.routes import offer
from app.regions import LAENDER, district, districts_in_land
from app.reporting import charts, downloads, figures, queries, tables
from app.reporting.access import REPORT_ROLES, scope_of
from app.reporting.forms import FilterForm
from app.security import role_required

bp = Blueprint("reporting", __name__)
navigation.register("reporting.dashboard", lambda: _("Berichte"), {"agency", "admin"}, order=40)

REGISTER_PAGE_SIZE = 50
COHORT_CHOICES = 300
RANKED_DISTRICTS = 15


# -- filters ----------------------------------------------------------------------------------------

def _filters() -> tuple[queries.ReportFilter, FilterForm, str]:
    """The scope of the current user and the filters in the query string. Invalid filters are
    reported on the form and ignored; a cohort outside the scope is as unknown as a missing one."""
    scope = scope_of(current_user)
    form = FilterForm(request.args)
    lands = sorted(scope) if scope is not None else list(LAENDER)
    form.land.choices = land_choices(lands)
    form.kurs.choices = [SelectChoice(course_id, title) for course_id, title in queries.courses()]
    if request.args:
        form.validate()
    f = queries.ReportFilter(lands=scope, start=None if form.von.errors else form.von.data,
                             end=None if form.bis.errors else form.bis.data)
    if form.land.data:
        if form.land.data in lands:
            f = replace(f, land=form.land.data)
        else:
            form.land.errors = [*form.land.errors, _("Dieses Land liegt außerhalb Ihres Bereichs.")]
    visible = [f.land] if f.land else lands
    form.kreis.choices = district_choices(visible)
    if form.kreis.data:
        chosen_district = district(form.kreis.data)
        if chosen_district is not None and chosen_district.land in visible:
            f = replace(f, district=chosen_district.ags)
        else:
            form.kreis.errors = [*form.kreis.errors, _("Dieser Kreis liegt außerhalb der Auswahl.")]
    if form.kurs.data is not None and not form.kurs.errors:
        if form.kurs.data in {c.value for c in form.kurs.choices}:
            f = replace(f, course_id=form.kurs.data)
        else:
            form.kurs.errors = [*form.kurs.errors, _("Unbekannter Kurs.")]
    cohorts = queries.cohorts_in_scope(f, limit=COHORT_CHOICES)
    if form.kohorte.data is not None and not form.kohorte.errors:
        chosen = queries.cohorts_in_scope(f, ids=[form.kohorte.data])
        if chosen and (scope is None or chosen[0]["land"] in scope):
            f = replace(f, cohort_id=form.kohorte.data)
            if all(c["id"] != form.kohorte.data for c in cohorts):
                cohorts = chosen + cohorts
        else:
            form.kohorte.errors = [*form.kohorte.errors, _("Unbekannte Kohorte.")]
    form.kohorte.choices = [SelectChoice(c["id"], c["name"]) for c in cohorts]
    granularity = form.raster.data if form.raster.data in ("month", "quarter", "year") else "month"
    return f, form, granularity


def _filter_args() -> dict:
    return {key: value for key, value in request.args.items()
            if key in ("von", "bis", "land", "kreis", "kurs", "kohorte", "raster") and value}


# -- pages --------------------------------------------------------------------------------------------

@bp.get("/berichte")
@role_required(*REPORT_ROLES)
def dashboard():
    f, form, granularity = _filters()
    published = tables.publish(f)
    summary = tables.summary(f, published)
    lands = tables.land_table(f, published)
    districts = tables.district_table(f, published)
    ranked = tables.Table("rangfolge", _("Kreise mit den meisten Zertifizierten je 100.000 Einwohner"),
                          [districts.columns[1], districts.columns[3], districts.columns[4], districts.columns[8], districts.columns[10]],
                          uses_region_data=True)
    for row in districts.rows[:RANKED_DISTRICTS]:
        if row[0] and isinstance(row[10], (int, float)) and row[10] > 0:
            ranked.rows.append([row[1], row[3], row[4], row[8], row[10]])
    series = tables.certification_series(published, granularity)
    coverage, uncovered = tables.coverage_tables(f, published)
    return render_template(
        "reporting/dashboard.html", form=form, f=f, summary=summary.cells, lands=lands, ranked=ranked, series=series,
        coverage=coverage, uncovered=uncovered, granularity=granularity, filter_args=_filter_args(),
        threshold=tables.threshold(), active_days=queries.ACTIVE_DAYS, no_scope=f.lands is not None and not f.lands,
        series_chart=charts.column_chart([(r[0], r[1]) for r in series.rows], series.title,
                                         _("Säulendiagramm; die Werte stehen in der Tabelle daneben.")),
        ranked_chart=charts.bar_chart([(r[0], r[4]) for r in ranked.rows], ranked.title,
                                      _("Balkendiagramm, absteigend sortiert; die Werte stehen in der Tabelle daneben.")),
        titles=tables.table_titles(),
    )


@bp.get("/berichte/tabelle/<name>")
@role_required(*REPORT_ROLES)
def table(name: str):
    if name not in tables.TABLES:
        abort(404)
    f, form, granularity = _filters()
    return render_template("reporting/table.html", tables=tables.build(name, f, granularity), name=name, form=form, f=f,
                           filter_args=_filter_args(), titles=tables.table_titles(), threshold=tables.threshold(),
                           no_scope=f.lands is not None and not f.lands)


@bp.route("/berichte/tabelle/<name>.<any(csv, xlsx):fmt>", methods=["GET", "POST"])
@role_required(*REPORT_ROLES)
def export(name: str, fmt: str):
    if name not in tables.TABLES:
        abort(404)
    f, _form, granularity = _filters()
    # the tables are aggregates (at most a row per district or cohort): built at once unless
    # EXPORT_IMMEDIATE_ROWS is 0; the register below can be long
    return offer(downloads.KIND, downloads.params_of(name, fmt, f, granularity), downloads.title(name, fmt), estimate=0)


# -- certificate register -------------------------------------------------------------------------

@bp.get("/berichte/register")
@role_required(*REPORT_ROLES)
def register():
    f, form, _granularity = _filters()
    page = max(request.args.get("seite", 1, type=int) or 1, 1)
    with_names = setting_enabled("register_shows_names")
    rows, total = tables.register_rows(f, page, REGISTER_PAGE_SIZE, with_names)
    pages = max((total + REGISTER_PAGE_SIZE - 1) // REGISTER_PAGE_SIZE, 1)
    if page > pages:
        abort(404)
    return render_template("reporting/register.html", table=tables.register_table(rows, with_names), total=total, page=page,
                           pages=pages, form=form, f=f, filter_args=_filter_args(), titles=tables.table_titles(),
                           with_names=with_names, threshold=tables.threshold(), no_scope=f.lands is not None and not f.lands)


@bp.route("/berichte/register.<any(csv, xlsx):fmt>", methods=["GET", "POST"])
@role_required(*REPORT_ROLES)
def register_export(fmt: str):
    f, _form, granularity = _filters()
    return offer(downloads.KIND, downloads.params_of(downloads.REGISTER, fmt, f, granularity),
                 downloads.title(downloads.REGISTER, fmt), estimate=downloads.register_total(f))


@bp.app_template_global()
def report_url(endpoint: str, **kwargs) -> str:
    """A reporting URL that keeps the current filters."""
    return url_for(endpoint, **{**_filter_args(), **kwargs})


@bp.app_template_global()
def report_cell(value, column) -> str:
    """A figure as the page shows it: German number format, "•" (with a text for screen readers)
    for a hidden one, "–" for none."""
    if isinstance(value, figures.Suppressed):
        return Markup('<span aria-hidden="true">{mark}</span><span class="visually-hidden">{text}</span>').format(  # nosec B704 - format() escapes
            mark=str(value), text=_("geheim gehalten"))
    if isinstance(column, str):
        column = tables.Column("value", "", column)
    return tables.cell_text(value, column)
