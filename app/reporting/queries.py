"""The agency's figures as aggregate SQL: every function is one query (a few for the register),
whatever the number of learners, cohorts or districts — nothing is loaded row by row.

The figures read `enrolment_facts` (app/reporting/models.py): one narrow row per counted
enrolment with its region, course, cohort and dates, kept current by app.reporting.facts. Where an
enrolment counts: the learner's district and Land from their profile; without a profile Land, the
cohort's. Scope (the Länder a user may see) and filters apply to every query here. Months are
taken in UTC on both databases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, select, union_all
from sqlalchemy.sql import ColumnElement, Select

from app import clock
from app.accounts.models import User
from app.catalogue.models import Course
from app.certificates.models import Certificate, CertificateStatus
from app.cohorts.models import Cohort, Enrolment
from app.extensions import db
from app.reporting.figures import Counts
from app.reporting.models import EnrolmentFact as Fact

ACTIVE_DAYS = 30
GROUPS = ("land", "district", "municipality", "cohort")


@dataclass(frozen=True)
class ReportFilter:
    """What to count. `lands` is the scope: None means every Land (admins), an empty set nothing."""

    lands: frozenset[str] | None = None
    start: date | None = None
    end: date | None = None  # inclusive
    course_id: int | None = None
    cohort_id: int | None = None
    land: str | None = None  # narrows the scope to one of its Länder
    district: str | None = None  # AGS of one district; narrows to it

    @property
    def sees_nothing(self) -> bool:
        if self.lands is None:
            return False
        return not self.lands or (self.land is not None and self.land not in self.lands) \
            or (self.district is not None and self.district[:2] not in self.lands)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _in_period(column, f: ReportFilter) -> ColumnElement:
    conditions = [column.is_not(None)]
    if f.start:
        conditions.append(column >= _moment(f.start))
    if f.end:
        conditions.append(column < _moment(f.end + timedelta(days=1)))
    return and_(*conditions)


def _scoped(query: Select, f: ReportFilter) -> Select:
    """Applies scope and filters to a query over enrolment facts."""
    if f.lands is not None:
        query = query.where(Fact.land.in_(sorted(f.lands)))
    if f.land:
        query = query.where(Fact.land == f.land)
    if f.district:
        query = query.where(Fact.land == f.district[:2], Fact.district_ags == f.district)
    if f.course_id:
        query = query.where(Fact.course_id == f.course_id)
    if f.cohort_id:
        query = query.where(Fact.cohort_id == f.cohort_id)
    return query


def _sum(condition) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _group_columns(by: tuple[str, ...]) -> list[ColumnElement]:
    columns = {
        "land": Fact.land.label("land"),
        "district": Fact.district_ags.label("district"),
        "municipality": Fact.municipality.label("municipality"),
        "cohort": Fact.cohort_id.label("cohort"),
    }
    return [columns[name] for name in by]


def breakdown(f: ReportFilter, by: tuple[str, ...], today: date | None = None) -> dict[tuple, Counts]:
    """Counts grouped by any of land, district, municipality, cohort — one query, one pass over
    the enrolment facts in scope."""
    if f.sees_nothing:
        return {}
    today = today or clock.today()
    enrolled = _in_period(Fact.enrolled_at, f)
    groups = _group_columns(by)
    query = select(
        *groups,
        _sum(enrolled).label("enrolled"),
        _sum(and_(Fact.in_progress, Fact.last_activity_at >= _moment(today - timedelta(days=ACTIVE_DAYS)))).label("active"),
        _sum(_in_period(Fact.completed_at, f)).label("completed"),
        _sum(_in_period(Fact.certified_at, f)).label("certified"),
        _sum(and_(enrolled, Fact.completed_at.is_not(None))).label("completed_of_enrolled"),
    )
    query = _scoped(query, f)
    if groups:
        query = query.group_by(*groups)
    result = {}
    for row in db.session.execute(query):
        key = tuple(row[:len(groups)])
        result[key] = Counts(*(int(v or 0) for v in row[len(groups):len(groups) + 5]))
    return result


def _month(column) -> ColumnElement:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    # SQLite keeps timestamps as ISO text in UTC ("2026-05-04 09:12:00.000000"): the month is a prefix
    return func.substr(column, 1, 7)


def _days_between(later, earlier) -> ColumnElement:
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", later - earlier) / 86400), Float)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def certifications(f: ReportFilter) -> tuple[dict[str, int], dict[int, int]]:
    """Certified learners per month ("YYYY-MM" → count) and the distribution of whole days from
    enrolment to certificate (days → count), from one grouped query."""
    if f.sees_nothing:
        return {}, {}
    month = _month(Fact.certified_at).label("month")
    days = _days_between(Fact.certified_at, Fact.enrolled_at).label("days")
    query = _scoped(select(month, days, func.count().label("n")), f).where(_in_period(Fact.certified_at, f)) \
        .group_by(month, days)
    monthly: dict[str, int] = {}
    histogram: dict[int, int] = {}
    for month_key, day_count, n in db.session.execute(query):
        monthly[month_key] = monthly.get(month_key, 0) + n
        key = max(int(day_count or 0), 0)
        histogram[key] = histogram.get(key, 0) + n
    return monthly, histogram


def monthly_counts(f: ReportFilter) -> dict[str, dict[str, int]]:
    """Enrolled, completed and certified per month of the event, in one UNION ALL query:
    {"enrolled": {"2026-03": 12, …}, "completed": {…}, "certified": {…}}."""
    result: dict[str, dict[str, int]] = {"enrolled": {}, "completed": {}, "certified": {}}
    if f.sees_nothing:
        return result
    parts = []
    for measure, column in (("enrolled", Fact.enrolled_at), ("completed", Fact.completed_at), ("certified", Fact.certified_at)):
        month = _month(column)
        query = select(literal(measure).label("measure"), month.label("month"), func.count().label("n"))
        parts.append(_scoped(query, f).where(_in_period(column, f)).group_by(month))
    for measure, month, n in db.session.execute(union_all(*parts)):
        result[measure][month] = n
    return result


def cohorts_in_scope(f: ReportFilter, ids: list[int] | None = None, limit: int | None = None) -> list[dict]:
    """Cohorts run in one of the scope's Länder (narrowed by the Land and course filters), newest
    first; optionally only `ids`. A cohort of another Land is never listed, whatever its learners'
    home (docs/security.md, "Agency scope")."""
    if f.sees_nothing:
        return []
    query = select(Cohort.id, Cohort.name, Cohort.land, Cohort.district_ags, Cohort.starts_on, Cohort.ends_on, Course.title) \
        .join(Course, Course.id == Cohort.course_id)
    if ids is not None:
        query = query.where(Cohort.id.in_(ids))
    if f.lands is not None:
        query = query.where(Cohort.land.in_(sorted(f.lands)))
    if f.land:
        query = query.where(Cohort.land == f.land)
    if f.course_id:
        query = query.where(Cohort.course_id == f.course_id)
    query = query.order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    if limit:
        query = query.limit(limit)
    return [dict(row._mapping) for row in db.session.execute(query)]


def cohorts_by_id(ids: list[int]) -> list[dict]:
    """The given cohorts (id, name, Land, district, dates, course title), newest first — for the
    caller to decide which of them it may list."""
    if not ids:
        return []
    query = select(Cohort.id, Cohort.name, Cohort.land, Cohort.district_ags, Cohort.starts_on, Cohort.ends_on, Course.title) \
        .join(Course, Course.id == Cohort.course_id).where(Cohort.id.in_(ids)) \
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    return [dict(row._mapping) for row in db.session.execute(query)]


def cohort_page(f: ReportFilter, page: int, per_page: int) -> tuple[list[dict], int]:
    """A page of cohorts in scope (API), with the total count: two queries."""
    if f.sees_nothing:
        return [], 0
    conditions = []
    if f.lands is not None:
        conditions.append(Cohort.land.in_(sorted(f.lands)))
    if f.land:
        conditions.append(Cohort.land == f.land)
    if f.district:
        conditions.append(Cohort.district_ags == f.district)
    if f.course_id:
        conditions.append(Cohort.course_id == f.course_id)
    if f.start:
        conditions.append(Cohort.starts_on >= f.start)
    if f.end:
        conditions.append(Cohort.starts_on <= f.end)
    total = db.session.scalar(select(func.count(Cohort.id)).where(*conditions))
    query = select(Cohort.id, Cohort.name, Cohort.land, Cohort.district_ags, Cohort.starts_on, Cohort.ends_on, Cohort.seats,
                   Course.slug.label("course"), Course.title.label("course_title")) \
        .join(Course, Course.id == Cohort.course_id).where(*conditions) \
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc()).offset((page - 1) * per_page).limit(per_page)
    return [dict(row._mapping) for row in db.session.execute(query)], total or 0


def courses() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(select(Course.id, Course.title).where(Course.archived_at.is_(None)).order_by(Course.title))]


# -- the certificate register ----------------------------------------------------------------------

def _register(f: ReportFilter, *columns) -> Select:
    """Issued, current certificates (valid or revoked, not superseded versions) in scope."""
    query = select(*columns).select_from(Certificate).join(Fact, Fact.enrolment_id == Certificate.enrolment_id)
    return _scoped(query, f).where(Certificate.status != CertificateStatus.SUPERSEDED, _in_period(Certificate.issued_at, f))


def register_groups(f: ReportFilter) -> dict[tuple, int]:
    """The register's certificates per (Land, district, municipality), in one query."""
    if f.sees_nothing:
        return {}
    query = _register(f, Fact.land, Fact.district_ags, Fact.municipality, func.count().label("n")) \
        .group_by(Fact.land, Fact.district_ags, Fact.municipality)
    return {(land, ags, municipality): n for land, ags, municipality, n in db.session.execute(query)}


def _group_of_fact() -> ColumnElement:
    """(Land, district, municipality) as one text: the Land has two characters and the district
    none or five, so the joined text is unambiguous."""
    return Fact.land + "|" + func.coalesce(Fact.district_ags, "") + "|" + func.coalesce(Fact.municipality, "")


def group_text(group: tuple) -> str:
    land, ags, municipality = group
    return f"{land}|{ags or ''}|{municipality or ''}"


def register_page(f: ReportFilter, page: int, per_page: int, with_names: bool,
                  groups: set[tuple] | None = None) -> tuple[list[dict], int]:
    """Certificates of the register, newest first: number, date, status, course, municipality,
    district — and the name only when `with_names`; with `groups`, only the certificates of those
    (Land, district, municipality) groups. Two queries: the count and the page."""
    if f.sees_nothing or groups is not None and not groups:
        return [], 0
    columns = [
        Certificate.number, Certificate.issued_at, Certificate.status, Course.title.label("course"), Course.slug.label("course_slug"),
        Fact.municipality, Fact.district_ags.label("district"), Fact.land.label("land"),
    ]
    base = _register(f, *columns).join(Course, Course.id == Fact.course_id)
    if with_names:
        base = base.add_columns(User.name).join(Enrolment, Enrolment.id == Certificate.enrolment_id) \
            .join(User, User.id == Enrolment.user_id)
    if groups is not None:
        base = base.where(_group_of_fact().in_(sorted(group_text(g) for g in groups)))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(base.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return [dict(row._mapping) for row in rows], total or 0
