"""The agency's figures as aggregate SQL: every function is one query (a few for the register),
whatever the number of learners, cohorts or districts — nothing is loaded row by row.

Where an enrolment counts: the learner's district and Land from their profile; without a profile
district, the cohort's. Scope (the Länder a user may see) and filters apply to every query here.
Months are taken in UTC on both databases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, select, union_all
from sqlalchemy.sql import ColumnElement, Select

from app.accounts.models import User
from app.catalogue.models import Course
from app.certificates.models import Certificate, CertificateStatus
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.extensions import db
from app.progress.models import ProgressItem
from app.reporting.figures import Counts

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

    @property
    def sees_nothing(self) -> bool:
        return self.lands is not None and (not self.lands or (self.land is not None and self.land not in self.lands))


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def region_land() -> ColumnElement:
    return func.coalesce(User.land, Cohort.land)


def region_district() -> ColumnElement:
    return case((User.land.is_not(None), User.district_ags), else_=Cohort.district_ags)


def _in_period(column, f: ReportFilter) -> ColumnElement:
    conditions = [column.is_not(None)]
    if f.start:
        conditions.append(column >= _moment(f.start))
    if f.end:
        conditions.append(column < _moment(f.end + timedelta(days=1)))
    return and_(*conditions)


def _scoped(query: Select, f: ReportFilter, regions: bool = False) -> Select:
    """Applies scope and filters to a query over enrolments. Cohorts and users are joined when a
    condition or the grouping (`regions`) needs them — an admin's unfiltered figures over time
    read enrolments and certificates alone."""
    regional = regions or f.lands is not None or bool(f.land)
    if regional or f.course_id:
        query = query.join(Cohort, Cohort.id == Enrolment.cohort_id)
    if regional:
        query = query.join(User, User.id == Enrolment.user_id)
    query = query.where(Enrolment.status != EnrolmentStatus.INVITED)
    if f.lands is not None:
        query = query.where(region_land().in_(sorted(f.lands)))
    if f.land:
        query = query.where(region_land() == f.land)
    if f.course_id:
        query = query.where(Cohort.course_id == f.course_id)
    if f.cohort_id:
        query = query.where(Enrolment.cohort_id == f.cohort_id)
    return query


def certified_at() -> ColumnElement:
    """When the enrolment's valid certificate was issued (NULL without one): a correlated lookup
    that the index (enrolment_id, status, issued_at) answers without reading the certificate rows,
    which are large (the signed snapshot)."""
    return (
        select(Certificate.issued_at)
        .where(Certificate.enrolment_id == Enrolment.id, Certificate.status == CertificateStatus.VALID)
        .limit(1).correlate(Enrolment).scalar_subquery()
    )


def _sum(condition) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _group_columns(by: tuple[str, ...]) -> list[ColumnElement]:
    columns = {
        "land": region_land().label("land"),
        "district": region_district().label("district"),
        "municipality": User.municipality.label("municipality"),
        "cohort": Enrolment.cohort_id.label("cohort"),
    }
    return [columns[name] for name in by]


def breakdown(f: ReportFilter, by: tuple[str, ...], today: date | None = None) -> dict[tuple, Counts]:
    """Counts grouped by any of land, district, municipality, cohort — one query, one pass over
    the enrolments in scope."""
    if f.sees_nothing:
        return {}
    today = today or date.today()
    recent = select(ProgressItem.enrolment_id).where(
        ProgressItem.completed_at >= _moment(today - timedelta(days=ACTIVE_DAYS))).scalar_subquery()
    enrolled = _in_period(Enrolment.enrolled_at, f)
    groups = _group_columns(by)
    # PostgreSQL hash-joins the valid certificates; SQLite looks each one up in the covering index.
    postgres = db.session.get_bind().dialect.name == "postgresql"
    certificate_date = Certificate.issued_at if postgres else certified_at()
    query = select(
        *groups,
        _sum(enrolled).label("enrolled"),
        _sum(and_(Enrolment.status == EnrolmentStatus.ACTIVE, Enrolment.id.in_(recent))).label("active"),
        _sum(_in_period(Enrolment.completed_at, f)).label("completed"),
        _sum(_in_period(certificate_date, f)).label("certified"),
        _sum(and_(enrolled, Enrolment.completed_at.is_not(None))).label("completed_of_enrolled"),
    ).select_from(Enrolment)
    if postgres:
        query = query.outerjoin(Certificate, and_(Certificate.enrolment_id == Enrolment.id, Certificate.status == CertificateStatus.VALID))
    query = _scoped(query, f, regions=any(name in by for name in ("land", "district", "municipality")))
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


def _valid_certificates(f: ReportFilter, *columns) -> Select:
    """Valid certificates issued in the period, with their enrolment, in scope."""
    query = select(*columns).select_from(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id) \
        .where(Certificate.status == CertificateStatus.VALID, _in_period(Certificate.issued_at, f))
    return _scoped(query, f)


def certifications(f: ReportFilter) -> tuple[dict[str, int], dict[int, int]]:
    """Certified learners per month ("YYYY-MM" → count) and the distribution of whole days from
    enrolment to certificate (days → count), from one grouped query."""
    if f.sees_nothing:
        return {}, {}
    month = _month(Certificate.issued_at).label("month")
    days = _days_between(Certificate.issued_at, Enrolment.enrolled_at).label("days")
    query = _valid_certificates(f, month, days, func.count().label("n")).group_by(month, days)
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
    for measure, column in (("enrolled", Enrolment.enrolled_at), ("completed", Enrolment.completed_at)):
        month = _month(column)
        query = select(literal(measure).label("measure"), month.label("month"), func.count().label("n")).select_from(Enrolment)
        parts.append(_scoped(query, f).where(_in_period(column, f)).group_by(month))
    month = _month(Certificate.issued_at)
    parts.append(_valid_certificates(f, literal("certified").label("measure"), month.label("month"), func.count().label("n"))
                 .group_by(month))
    for measure, month, n in db.session.execute(union_all(*parts)):
        result[measure][month] = n
    return result


def cohorts_in_scope(f: ReportFilter, ids: list[int] | None = None, limit: int | None = None) -> list[dict]:
    """Cohorts the scope touches (run in one of its Länder), newest first; optionally only `ids`."""
    if f.sees_nothing:
        return []
    query = select(Cohort.id, Cohort.name, Cohort.land, Cohort.district_ags, Cohort.starts_on, Cohort.ends_on, Course.title) \
        .join(Course, Course.id == Cohort.course_id)
    if ids is not None:
        query = query.where(Cohort.id.in_(ids))
    elif f.lands is not None:
        query = query.where(Cohort.land.in_(sorted(f.lands)))
    if f.land and ids is None:
        query = query.where(Cohort.land == f.land)
    if f.course_id and ids is None:
        query = query.where(Cohort.course_id == f.course_id)
    query = query.order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    if limit:
        query = query.limit(limit)
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

def register_page(f: ReportFilter, page: int, per_page: int, with_names: bool) -> tuple[list[dict], int]:
    """Issued, current certificates (valid or revoked, not superseded versions) in scope, newest
    first: number, date, status, course, municipality, district — and the name only when
    `with_names`. Two queries: the count and the page."""
    if f.sees_nothing:
        return [], 0
    columns = [
        Certificate.number, Certificate.issued_at, Certificate.status, Course.title.label("course"), Course.slug.label("course_slug"),
        User.municipality, region_district().label("district"), region_land().label("land"),
    ]
    if with_names:
        columns.append(User.name)
    base = _scoped(select(*columns).select_from(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id), f, regions=True) \
        .join(Course, Course.id == Cohort.course_id) \
        .where(Certificate.status != CertificateStatus.SUPERSEDED, _in_period(Certificate.issued_at, f))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(base.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return [dict(row._mapping) for row in rows], total or 0
