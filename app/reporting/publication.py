"""The figures of one selection as they may be published: every count that a page, an export, a
chart or the API shows for the selection, with the cells to hide decided once and jointly by
app.reporting.disclosure. Every output reads its numbers from here, so a figure hidden in one
place is hidden in all of them (docs/security.md, "Small groups").

What belongs together, per count (enrolled, active, completed, certified, and completed of the
enrolled — the numerator of the completion rate):
- the regions: total > Land > district (one "without district" per Land) > municipality;
- the cohorts: total = the listed cohorts + one row for cohorts run in other Länder;
- the periods (enrolled, completed, certified): total > year > quarter > month.

A Land or district filter does not make a new table: the regions are decided for the whole scope
and the filter shows a part of them, so narrowing to a district cannot reveal a figure that is
hidden without the filter. Its cohorts and periods are decided under the chosen region, whose
own figure is taken as it is published in the whole scope."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.regions import district
from app.reporting import disclosure, figures, queries
from app.reporting.figures import Counts, Suppressed

MEASURES = ("enrolled", "active", "completed", "certified", "completed_of_enrolled")
PERIOD_MEASURES = ("enrolled", "completed", "certified")
GRANULARITIES = ("year", "quarter", "month")
TOTAL = ("total",)
OTHER_COHORTS = ("cohort", None)
REGION_KINDS = ("total", "land", "district", "municipality")


def land_key(code: str) -> tuple:
    return ("land", code)


def district_key(land: str, ags: str | None) -> tuple:
    """A district of a Land; `ags` None: enrolments of the Land without a (valid) district."""
    return ("district", land, ags)


def municipality_key(land: str, ags: str | None, name: str | None) -> tuple:
    return ("municipality", land, ags, name)


def cohort_key(cohort_id: int | None) -> tuple:
    """A listed cohort; None: the cohorts run outside the Länder in view, as one row."""
    return ("cohort", cohort_id)


def home_district(land: str, ags: str | None) -> str | None:
    """The district an enrolment counts in: its AGS if that is a district of its Land."""
    found = district(ags) if ags else None
    return found.ags if found is not None and found.land == land else None


@dataclass
class Publication:
    root: tuple  # the selection's own total: TOTAL, or the chosen Land or district
    threshold: int
    counts: dict[tuple, Counts] = field(default_factory=dict)  # regions and cohorts
    periods: dict[tuple, dict[str, int]] = field(default_factory=dict)  # ("month", "2026-05") → counts
    hidden: dict[str, set] = field(default_factory=lambda: {m: set() for m in MEASURES})
    cohorts: list[dict] = field(default_factory=list)  # the listed cohorts with figures, newest first

    def counts_of(self, key: tuple) -> Counts:
        return self.counts.get(key, Counts())

    def value(self, key: tuple, measure: str):
        """A count as it may be shown: the number, or Suppressed."""
        if key in self.periods:
            number = self.periods[key].get(measure, 0)
        else:
            number = getattr(self.counts_of(key), measure)
        return Suppressed(self.threshold) if key in self.hidden[measure] else number

    def completion_rate(self, key: tuple):
        counts = self.counts_of(key)
        if not counts.enrolled:
            return None
        if key in self.hidden["enrolled"] or key in self.hidden["completed_of_enrolled"]:
            return Suppressed(self.threshold)
        return counts.completed_of_enrolled / counts.enrolled

    def per_100k(self, key: tuple, population: int | None):
        """Certified per 100,000 inhabitants: with the population shown, as telling as the count."""
        if not population:
            return None
        if key in self.hidden["certified"]:
            return Suppressed(self.threshold)
        return self.counts_of(key).certified * 100_000 / population

    def row(self, key: tuple) -> list:
        """Enrolled, active, completed, certified and the completion rate of a group."""
        return [self.value(key, m) for m in ("enrolled", "active", "completed", "certified")] + [self.completion_rate(key)]

    def keys(self, kind: str) -> list[tuple]:
        return [key for key in self.counts if key[0] == kind]

    def period_keys(self, granularity: str) -> list[tuple]:
        return sorted(key for key in self.periods if key[0] == granularity)


# -- building the tables' structure ------------------------------------------------------------------

def _regions(rows: dict[tuple, Counts]) -> tuple[dict[tuple, Counts], list[disclosure.Line]]:
    counts: dict[tuple, Counts] = {TOTAL: Counts()}
    children: dict[tuple, set] = {}
    for (land, ags, name), row in rows.items():
        home = home_district(land, ags)
        path = [TOTAL, land_key(land), district_key(land, home), municipality_key(land, home, name)]
        for parent, child in zip(path, path[1:]):
            children.setdefault(parent, set()).add(child)
        for key in path:
            counts.setdefault(key, Counts()).add(row)
    return counts, [disclosure.Line(total, tuple(sorted(parts, key=repr))) for total, parts in children.items()]


def _cohorts(rows: dict[int, Counts], listed: set[int], root: tuple) -> tuple[dict[tuple, Counts], list[disclosure.Line]]:
    counts: dict[tuple, Counts] = {}
    for cohort_id, row in rows.items():
        counts.setdefault(cohort_key(cohort_id if cohort_id in listed else None), Counts()).add(row)
    return counts, [disclosure.Line(root, tuple(sorted(counts, key=repr)))] if counts else []


def _periods(monthly: dict[str, dict[str, int]], root: tuple) -> tuple[dict[tuple, dict[str, int]], list[disclosure.Line]]:
    months = set().union(*(m.keys() for m in monthly.values()))
    if not months:
        return {}, []
    values: dict[tuple, dict[str, int]] = {}
    children: dict[tuple, set] = {}
    for month in figures.months_between(min(months), max(months)):
        path = [root, ("year", month[:4]), ("quarter", figures.period_of(month, "quarter")), ("month", month)]
        for parent, child in zip(path, path[1:]):
            children.setdefault(parent, set()).add(child)
        for key in path[1:]:
            for measure in PERIOD_MEASURES:
                entry = values.setdefault(key, dict.fromkeys(PERIOD_MEASURES, 0))
                entry[measure] += monthly.get(measure, {}).get(month, 0)
    return values, [disclosure.Line(total, tuple(sorted(parts))) for total, parts in children.items()]


def _hide(counts, lines, periods, period_lines, threshold: int, forced: dict | None = None,
          fixed: dict | None = None) -> dict[str, set]:
    hidden = {}
    for measure in MEASURES:
        values = {key: getattr(row, measure) for key, row in counts.items()}
        all_lines = list(lines)
        if measure in PERIOD_MEASURES:
            values.update({key: row[measure] for key, row in periods.items()})
            all_lines += period_lines
        hidden[measure] = disclosure.suppress(values, all_lines, threshold, (forced or {}).get(measure, ()),
                                              (fixed or {}).get(measure, ()))
    return hidden


def _region_root(f: queries.ReportFilter) -> tuple:
    if f.district:
        return district_key(f.district[:2], home_district(f.district[:2], f.district))
    if f.land:
        return land_key(f.land)
    return TOTAL


def publish(f: queries.ReportFilter, threshold: int) -> Publication:
    """Every figure of the selection `f` and which of them are hidden (three queries; five with a
    Land or district filter)."""
    root = _region_root(f)
    if f.sees_nothing or (f.land and f.district and f.district[:2] != f.land):
        return Publication(root, threshold)
    wide = replace(f, land=None, district=None)
    regions, region_lines = _regions(queries.breakdown(wide, ("land", "district", "municipality")))
    by_cohort = {key[0]: row for key, row in queries.breakdown(wide, ("cohort",)).items()}
    monthly = queries.monthly_counts(wide)
    by_region_cohort = {key[0]: row for key, row in queries.breakdown(f, ("cohort",)).items()} if root != TOTAL else by_cohort
    cohort_rows = queries.cohorts_by_id(sorted(set(by_cohort) | set(by_region_cohort)))
    # A cohort is listed (name, Land, start) only to those who may see its Land; its learners
    # from elsewhere count where they live (docs/security.md, "Agency scope").
    in_scope = {c["id"] for c in cohort_rows if wide.lands is None or c["land"] in wide.lands}
    cohorts, cohort_lines = _cohorts(by_cohort, in_scope, TOTAL)
    periods, period_lines = _periods(monthly, TOTAL)
    hidden = _hide(regions | cohorts, region_lines + cohort_lines, periods, period_lines, threshold)
    if root == TOTAL:
        listed = in_scope
    else:  # the region's cohorts and periods, its own figure as published in the whole scope
        region = f.district[:2] if f.district else f.land
        listed = {c["id"] for c in cohort_rows if c["land"] == region}
        cohorts, cohort_lines = _cohorts(by_region_cohort, listed, root)
        periods, period_lines = _periods(queries.monthly_counts(f), root)
        root_hidden = {m: {root} & hidden[m] for m in MEASURES}
        root_shown = {m: {root} - hidden[m] for m in MEASURES}
        own = _hide({root: regions.get(root, Counts())} | cohorts, cohort_lines, periods, period_lines, threshold,
                    forced=root_hidden, fixed=root_shown)
        hidden = {m: {k for k in hidden[m] if k[0] in REGION_KINDS} | own[m] for m in MEASURES}
    counts = regions | cohorts
    listed_cohorts = [c for c in cohort_rows if c["id"] in listed and cohort_key(c["id"]) in counts]
    return Publication(root, threshold, counts, periods, hidden, listed_cohorts)


def listable(pub: Publication, groups: dict[tuple, int]) -> set[tuple]:
    """The (Land, district, municipality) groups of the certificate register whose certificates
    may be listed one by one: at least `threshold` of them, and none of the figures they make up
    hidden — a list of a hidden district's certificates would give its count away."""
    hidden = pub.hidden["certified"]
    result = set()
    for (land, ags, municipality), count in groups.items():
        home = home_district(land, ags)
        keys = (TOTAL, pub.root, land_key(land), district_key(land, home), municipality_key(land, home, municipality))
        if count >= pub.threshold and not hidden.intersection(keys):
            result.add((land, ags, municipality))
    return result
