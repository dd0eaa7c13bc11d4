"""The agency's tables: the figures of a selection as published (`app.reporting.publication`,
withheld cells included) turned into labelled tables — the one shape the pages, the charts' data
tables, CSV and XLSX all render."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _

from app import clock
from app.regions import LAENDER, district
from app.regions import districts_in_land as _districts_in_land
from app.reporting import figures, publication, queries
from app.reporting.figures import Suppressed
from app.reporting.publication import Publication, district_key, land_key

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


def publish(f: queries.ReportFilter) -> Publication:
    """The selection's figures with the hidden cells decided — the one source of every table."""
    return publication.publish(f, threshold())


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
    published: Publication
    population: int
    median_days: object

    @property
    def cells(self) -> dict:
        pub, root = self.published, self.published.root
        return {
            "enrolled": pub.value(root, "enrolled"), "active": pub.value(root, "active"),
            "completed": pub.value(root, "completed"), "certified": pub.value(root, "certified"),
            "completion_rate": pub.completion_rate(root), "median_days": self.median_days,
            "per_100k": pub.per_100k(root, self.population),
        }


def summary(f: queries.ReportFilter, pub: Publication) -> Summary:
    _monthly, histogram = queries.certifications(f)
    median = figures.median_days(histogram, threshold())
    if pub.root in pub.hidden["certified"]:
        median = Suppressed(threshold())
    return Summary(pub, population(f, lands_of(f)), median)


# -- tables -------------------------------------------------------------------------------------------

def _certified_by_district(pub: Publication) -> dict[str, int]:
    """Districts with (any) certified people: only zero or not is used, and zeros are shown."""
    return {key[2]: pub.counts[key].certified for key in pub.keys("district") if key[2]}


def land_table(f: queries.ReportFilter, pub: Publication) -> Table:
    table = Table("laender", _("Qualifizierte nach Land"), [
        Column("land", _("Land"), "text"), Column("population", _("Einwohner")), *_count_columns(),
        Column("per_100k", _("Zertifizierte je 100.000 Einwohner"), "decimal"),
        Column("covered", _("Kreise mit Zertifizierten")), Column("districts", _("Kreise")),
    ], uses_region_data=True)
    certified = _certified_by_district(pub)
    for land in lands_of(f):
        key = pub.root if f.district else land_key(land)  # with a district chosen, its figures
        people = population(f, [land])
        cover = figures.coverage([land], lambda code: [d.ags for d in districts_of(f, code)], certified)[0]
        table.rows.append([LAENDER[land], people, *pub.row(key), pub.per_100k(key, people), len(cover.covered), cover.total])
    return table


def _rank(value, name: str) -> tuple:
    """Largest first; hidden figures after all shown ones, by name, so the order tells nothing."""
    if isinstance(value, (int, float)):
        return (0, -value, name)
    return (1, 0, name)


def district_table(f: queries.ReportFilter, pub: Publication) -> Table:
    """Every district of the Länder in view (also those without anyone), and for each Land a row
    for its enrolments without a district, ordered by certified per 100,000 inhabitants."""
    table = Table("kreise", _("Qualifizierte nach Kreis"), [
        Column("ags", _("AGS"), "code"), Column("district", _("Kreis"), "text"), Column("type", _("Art"), "text"),
        Column("land", _("Land"), "text"), Column("population", _("Einwohner")), *_count_columns(),
        Column("per_100k", _("Zertifizierte je 100.000 Einwohner"), "decimal"),
    ], uses_region_data=True)
    rows, unknown = [], []
    for land in lands_of(f):
        for d in districts_of(f, land):
            key = district_key(land, d.ags)
            rate = pub.per_100k(key, d.population)
            rows.append((_rank(rate, d.name), [d.ags, d.name, d.type, d.land_name, d.population, *pub.row(key), rate]))
        key = district_key(land, None)
        if not f.district and not pub.counts_of(key).is_empty:
            unknown.append(["", _("ohne Kreisangabe"), "", LAENDER[land], None, *pub.row(key), None])
    rows.sort(key=lambda r: r[0])
    table.rows = [r[1] for r in rows] + unknown
    return table


def municipality_table(f: queries.ReportFilter, pub: Publication) -> Table:
    table = Table("kommunen", _("Qualifizierte nach Kommune"), [
        Column("land", _("Land"), "text"), Column("ags", _("AGS"), "code"), Column("district", _("Kreis"), "text"),
        Column("municipality", _("Kommune"), "text"), *_count_columns(),
    ], uses_region_data=True)
    lands = set(lands_of(f))
    rows = []
    for key in pub.keys("municipality"):
        _kind, land, ags, municipality = key
        if land not in lands or (f.district and ags != f.district):
            continue
        found = district(ags)
        rows.append([LAENDER.get(land or "", _("unbekannt")), ags or "", found.name if found else _("ohne Kreisangabe"),
                     municipality or _("ohne Angabe"), *pub.row(key)])
    rows.sort(key=lambda r: (r[0], r[2], str(r[3]).casefold()))
    table.rows = rows
    return table


def cohort_table(f: queries.ReportFilter, pub: Publication) -> Table:
    """The cohorts run in the Länder in view; the enrolments of their people in cohorts of other
    Länder in one row without name (docs/security.md, "Agency scope")."""
    table = Table("kohorten", _("Qualifizierte nach Kohorte"), [
        Column("cohort", _("Kohorte"), "text"), Column("course", _("Kurs"), "text"), Column("land", _("Land"), "text"),
        Column("starts_on", _("Beginn"), "date"), *_count_columns(),
    ])
    for cohort in pub.cohorts:
        table.rows.append([cohort["name"], cohort["title"], LAENDER.get(cohort["land"], cohort["land"]), cohort["starts_on"],
                           *pub.row(publication.cohort_key(cohort["id"]))])
    if publication.OTHER_COHORTS in pub.counts:
        table.rows.append([_("Kohorten anderer Länder"), "", "", None, *pub.row(publication.OTHER_COHORTS)])
    return table


def period_table(f: queries.ReportFilter, pub: Publication, granularity: str) -> Table:
    label = granularity_labels().get(granularity, _("Monat"))
    table = Table("zeitraum", _("Qualifizierte nach %(period)s", period=label), [
        Column("period", label, "text"), Column("enrolled", _("Eingeschrieben")),
        Column("completed", _("Abgeschlossen")), Column("certified", _("Zertifiziert")),
    ])
    for key in pub.period_keys(granularity):
        table.rows.append([key[1], *(pub.value(key, m) for m in ("enrolled", "completed", "certified"))])
    return table


def certification_series(pub: Publication, granularity: str) -> Table:
    label = granularity_labels().get(granularity, _("Monat"))
    table = Table("zertifizierungen", _("Zertifizierungen je %(period)s", period=label),
                  [Column("period", label, "text"), Column("certified", _("Zertifiziert"))])
    table.rows = [[key[1], pub.value(key, "certified")] for key in pub.period_keys(granularity)]
    return table


def coverage_tables(f: queries.ReportFilter, pub: Publication) -> tuple[Table, Table]:
    entries = figures.coverage(lands_of(f), lambda code: [d.ags for d in districts_of(f, code)], _certified_by_district(pub))
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


def register_rows(f: queries.ReportFilter, page: int, per_page: int, with_names: bool) -> tuple[list[dict], int]:
    """A page of the certificate register: only certificates of groups that may be listed
    (publication.listable) — for the page, its exports and the API alike."""
    groups = publication.listable(publish(f), queries.register_groups(f))
    return queries.register_page(f, page, per_page, with_names, groups)


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
        cells = [row["number"], clock.local_date(row["issued_at"]), status.get(row["status"].value, row["status"].value), row["course"],
                 row["municipality"] or "", row["district"] or "", found.name if found else "", LAENDER.get(row["land"] or "", "")]
        if with_names:
            cells.insert(1, row["name"])
        table.rows.append(cells)
    return table


def build(name: str, f: queries.ReportFilter, granularity: str = "month") -> list[Table]:
    """The table(s) a detail page or an export shows."""
    if name not in TABLES:
        raise KeyError(name)
    pub = publish(f)
    if name == "laender":
        return [land_table(f, pub)]
    if name == "kreise":
        return [district_table(f, pub)]
    if name == "kommunen":
        return [municipality_table(f, pub)]
    if name == "kohorten":
        return [cohort_table(f, pub)]
    if name == "zeitraum":
        return [period_table(f, pub, granularity)]
    return list(coverage_tables(f, pub))


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

