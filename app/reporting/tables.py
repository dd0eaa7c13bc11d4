"""The agency's tables: figures from `queries` turned into labelled tables with small groups
suppressed — the one shape the pages, the charts' data tables, CSV and XLSX all render."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _

from app.regions import LAENDER, district
from app.regions import districts_in_land as _districts_in_land
from app.reporting import figures, queries
from app.reporting.figures import Counts, Suppressed, suppress

TABLES = ("laender", "kreise", "kommunen", "kohorten", "zeitraum", "abdeckung")


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # text | code | int | decimal | percent | date

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "decimal", "percent")


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    caption: str = ""
    uses_region_data: bool = False  # Destatis figures: show the CC-BY attribution


@lru_cache(maxsize=None)
def districts_in_land(code: str) -> tuple:
    """The districts of a Land (reference data, read once; the tables ask for them often)."""
    return tuple(_districts_in_land(code))


def threshold() -> int:
    return int(current_app.config.get("SMALL_GROUP_THRESHOLD", 3))


def table_titles() -> dict[str, str]:
    return {
        "laender": _("Nach Land"), "kreise": _("Nach Kreis"), "kommunen": _("Nach Kommune"), "kohorten": _("Nach Kohorte"),
        "zeitraum": _("Nach Zeitraum"), "abdeckung": _("Abdeckung der Kreise"), "register": _("Zertifikatsregister"),
    }


def granularity_labels() -> dict[str, str]:
    return {"month": _("Monat"), "quarter": _("Quartal"), "year": _("Jahr")}


def _count_columns() -> list[Column]:
    return [
        Column("enrolled", _("Eingeschrieben")), Column("active", _("Aktiv")), Column("completed", _("Abgeschlossen")),
        Column("certified", _("Zertifiziert")), Column("completion_rate", _("Abschlussquote"), "percent"),
    ]


def _count_cells(counts: Counts) -> list:
    t = threshold()
    return [suppress(counts.enrolled, t), suppress(counts.active, t), suppress(counts.completed, t),
            suppress(counts.certified, t), figures.completion_rate(counts, t)]


def lands_of(f: queries.ReportFilter) -> list[str]:
    """The Länder a table lists: the chosen one (or the chosen district's), or the whole scope."""
    if f.district:
        land = f.district[:2]
        return [land] if (f.lands is None or land in f.lands) and f.land in (None, land) else []
    if f.land:
        return [f.land] if f.lands is None or f.land in f.lands else []
    return sorted(f.lands) if f.lands is not None else list(LAENDER)


def districts_of(f: queries.ReportFilter, land: str) -> tuple:
    """The districts of a Land a table lists: all, or the one chosen."""
    if f.district:
        return tuple(d for d in districts_in_land(land) if d.ags == f.district)
    return districts_in_land(land)


def population(f: queries.ReportFilter, lands: list[str]) -> int:
    return sum(d.population for land in lands for d in districts_of(f, land))


# -- headline figures --------------------------------------------------------------------------------

@dataclass
class Summary:
    counts: Counts
    population: int
    median_days: object
    monthly: dict[str, int]

    @property
    def cells(self) -> dict:
        t = threshold()
        return {
            "enrolled": suppress(self.counts.enrolled, t), "active": suppress(self.counts.active, t),
            "completed": suppress(self.counts.completed, t), "certified": suppress(self.counts.certified, t),
            "completion_rate": figures.completion_rate(self.counts, t),
            "median_days": self.median_days,
            "per_100k": figures.per_100k(self.counts.certified, self.population, t),
        }


def summary(f: queries.ReportFilter, by_district: dict[tuple, Counts]) -> Summary:
    total = Counts()
    for counts in by_district.values():
        total.add(counts)
    monthly, histogram = queries.certifications(f)
    return Summary(total, population(f, lands_of(f)), figures.median_days(histogram, threshold()), monthly)


# -- tables -------------------------------------------------------------------------------------------

def land_table(f: queries.ReportFilter, by_district: dict[tuple, Counts]) -> Table:
    t = threshold()
    table = Table("laender", _("Qualifizierte nach Land"), [
        Column("land", _("Land"), "text"), Column("population", _("Einwohner")), *_count_columns(),
        Column("per_100k", _("Zertifizierte je 100.000 Einwohner"), "decimal"),
        Column("covered", _("Kreise mit Zertifizierten")), Column("districts", _("Kreise")),
    ], uses_region_data=True)
    per_land: dict[str, Counts] = {}
    certified_by_district: dict[str, int] = {}
    for (land, ags), counts in by_district.items():
        per_land.setdefault(land, Counts()).add(counts)
        if ags:
            certified_by_district[ags] = certified_by_district.get(ags, 0) + counts.certified
    for land in lands_of(f):
        counts = per_land.get(land, Counts())
        people = population(f, [land])
        cover = figures.coverage([land], lambda code: [d.ags for d in districts_of(f, code)], certified_by_district)[0]
        table.rows.append([LAENDER[land], people, *_count_cells(counts), figures.per_100k(counts.certified, people, t),
                           len(cover.covered), cover.total])
    return table


def district_table(f: queries.ReportFilter, by_district: dict[tuple, Counts], all_rows: bool = True) -> Table:
    """Every district of the Länder in view (also those without anyone), and a row for enrolments
    without a district, ordered by certified per 100,000 inhabitants."""
    t = threshold()
    table = Table("kreise", _("Qualifizierte nach Kreis"), [
        Column("ags", _("AGS"), "code"), Column("district", _("Kreis"), "text"), Column("type", _("Art"), "text"),
        Column("land", _("Land"), "text"), Column("population", _("Einwohner")), *_count_columns(),
        Column("per_100k", _("Zertifizierte je 100.000 Einwohner"), "decimal"),
    ], uses_region_data=True)
    per_district: dict[str | None, Counts] = {}
    for (_land, ags), counts in by_district.items():
        per_district.setdefault(ags if district(ags) else None, Counts()).add(counts)
    rows = []
    for land in lands_of(f):
        for d in districts_of(f, land):
            counts = per_district.get(d.ags, Counts())
            rate = figures.per_100k(counts.certified, d.population, t)
            rows.append((counts.certified * 100_000 / d.population if d.population else 0, d.name,
                         [d.ags, d.name, d.type, d.land_name, d.population, *_count_cells(counts), rate]))
    rows.sort(key=lambda r: (-r[0], r[1]))
    table.rows = [r[2] for r in rows]
    unknown = per_district.get(None)
    if unknown and not unknown.is_empty:
        table.rows.append(["", _("ohne Kreisangabe"), "", "", None, *_count_cells(unknown), None])
    return table


def municipality_table(f: queries.ReportFilter) -> Table:
    table = Table("kommunen", _("Qualifizierte nach Kommune"), [
        Column("land", _("Land"), "text"), Column("ags", _("AGS"), "code"), Column("district", _("Kreis"), "text"),
        Column("municipality", _("Kommune"), "text"), *_count_columns(),
    ], uses_region_data=True)
    rows = []
    for (land, ags, municipality), counts in queries.breakdown(f, ("land", "district", "municipality")).items():
        found = district(ags)
        rows.append([LAENDER.get(land or "", _("unbekannt")), ags or "", found.name if found else _("ohne Kreisangabe"),
                     municipality or _("ohne Angabe"), *_count_cells(counts)])
    rows.sort(key=lambda r: (r[0], r[2], str(r[3]).casefold()))
    table.rows = rows
    return table


def cohort_table(f: queries.ReportFilter) -> Table:
    table = Table("kohorten", _("Qualifizierte nach Kohorte"), [
        Column("cohort", _("Kohorte"), "text"), Column("course", _("Kurs"), "text"), Column("land", _("Land"), "text"),
        Column("starts_on", _("Beginn"), "date"), *_count_columns(),
    ])
    counts = {key[0]: value for key, value in queries.breakdown(f, ("cohort",)).items()}
    for cohort in queries.cohorts_in_scope(f, ids=list(counts)):
        table.rows.append([cohort["name"], cohort["title"], LAENDER.get(cohort["land"], cohort["land"]), cohort["starts_on"],
                           *_count_cells(counts[cohort["id"]])])
    return table


def period_table(f: queries.ReportFilter, granularity: str) -> Table:
    t = threshold()
    monthly = queries.monthly_counts(f)
    label = granularity_labels().get(granularity, _("Monat"))
    table = Table("zeitraum", _("Qualifizierte nach %(period)s", period=label), [
        Column("period", label, "text"), Column("enrolled", _("Eingeschrieben")),
        Column("completed", _("Abgeschlossen")), Column("certified", _("Zertifiziert")),
    ])
    months = set().union(*(m.keys() for m in monthly.values()))
    if not months:
        return table
    periods: dict[str, dict[str, int]] = {}
    for measure, values in monthly.items():
        filled = dict.fromkeys(figures.months_between(min(months), max(months)), 0) | values
        for period, n in figures.by_period(filled, granularity):
            periods.setdefault(period, {})[measure] = n
    for period, values in periods.items():
        table.rows.append([period, *(suppress(values.get(m, 0), t) for m in ("enrolled", "completed", "certified"))])
    return table


def certification_series(summary_: Summary, granularity: str) -> Table:
    t = threshold()
    label = granularity_labels().get(granularity, _("Monat"))
    table = Table("zertifizierungen", _("Zertifizierungen je %(period)s", period=label),
                  [Column("period", label, "text"), Column("certified", _("Zertifiziert"))])
    table.rows = [[period, suppress(n, t)] for period, n in figures.by_period(summary_.monthly, granularity)]
    return table


def coverage_tables(f: queries.ReportFilter, by_district: dict[tuple, Counts]) -> tuple[Table, Table]:
    certified: dict[str, int] = {}
    for (_land, ags), counts in by_district.items():
        if ags:
            certified[ags] = certified.get(ags, 0) + counts.certified
    entries = figures.coverage(lands_of(f), lambda code: [d.ags for d in districts_of(f, code)], certified)
    overview = Table("abdeckung", _("Kreise mit mindestens einer zertifizierten Person"), [
        Column("land", _("Land"), "text"), Column("districts", _("Kreise")), Column("covered", _("mit Zertifizierten")),
        Column("uncovered", _("ohne Zertifizierte")), Column("share", _("Anteil abgedeckt"), "percent"),
    ], uses_region_data=True)
    missing = Table("kreise-ohne", _("Kreise ohne zertifizierte Person"), [
        Column("land", _("Land"), "text"), Column("ags", _("AGS"), "code"), Column("district", _("Kreis"), "text"),
        Column("type", _("Art"), "text"), Column("population", _("Einwohner")),
    ], uses_region_data=True)
    for entry in entries:
        overview.rows.append([LAENDER[entry.land], entry.total, len(entry.covered), len(entry.uncovered), entry.share])
        for ags in entry.uncovered:
            d = district(ags)
            missing.rows.append([d.land_name, d.ags, d.name, d.type, d.population])
    return overview, missing


def register_table(rows: list[dict], with_names: bool) -> Table:
    columns = [Column("number", _("Nummer"), "code"), Column("issued_on", _("Ausgestellt am"), "date"),
               Column("status", _("Status"), "text"), Column("course", _("Kurs"), "text"),
               Column("municipality", _("Kommune"), "text"), Column("ags", _("AGS"), "code"), Column("district", _("Kreis"), "text"),
               Column("land", _("Land"), "text")]
    if with_names:
        columns.insert(1, Column("name", _("Name"), "text"))
    status = {"valid": _("gültig"), "revoked": _("widerrufen"), "superseded": _("ersetzt")}
    table = Table("register", _("Zertifikatsregister"), columns, uses_region_data=True)
    for row in rows:
        found = district(row["district"])
        cells = [row["number"], row["issued_at"].date(), status.get(row["status"].value, row["status"].value), row["course"],
                 row["municipality"] or "", row["district"] or "", found.name if found else "", LAENDER.get(row["land"] or "", "")]
        if with_names:
            cells.insert(1, row["name"])
        table.rows.append(cells)
    return table


def build(name: str, f: queries.ReportFilter, granularity: str = "month") -> list[Table]:
    """The table(s) a detail page or an export shows."""
    if name == "laender":
        return [land_table(f, queries.breakdown(f, ("land", "district")))]
    if name == "kreise":
        return [district_table(f, queries.breakdown(f, ("land", "district")))]
    if name == "kommunen":
        return [municipality_table(f)]
    if name == "kohorten":
        return [cohort_table(f)]
    if name == "zeitraum":
        return [period_table(f, granularity)]
    if name == "abdeckung":
        return list(coverage_tables(f, queries.breakdown(f, ("land", "district"))))
    raise KeyError(name)


def cell_text(value, column: Column) -> str:
    """How a cell reads on the page and in CSV (German number formats)."""
    from flask_babel import format_date, format_decimal, format_percent

    if value is None:
        return "–"
    if isinstance(value, Suppressed):
        return str(value)
    if column.kind == "int":
        return format_decimal(value, "#,##0")
    if column.kind == "decimal":
        return format_decimal(value, "#,##0.0")
    if column.kind == "percent":
        return format_percent(value, "#,##0.0 %")
    if column.kind == "date" and isinstance(value, date):
        return format_date(value, "dd.MM.yyyy")
    return str(value)

