"""Keeps `enrolment_facts` equal to what it is derived from, in the same transaction.

After every ORM flush, the enrolments the flush touched — an enrolment's status or dates, a
progress event, a certificate issued, revoked or re-issued, a learner's region, a cohort's region
or course — get their rows recomputed by one DELETE and one INSERT … SELECT from the source
tables. A session listener (connected by create_app through `subscribe()`) rather than a call
in each service, so that no write path (present or future) can leave the figures behind;
statements that bypass the ORM (bulk inserts of the demo generator and the benchmark data) call
`rebuild()` afterwards. `check()` compares the table with
a full recomputation (tests and `flask reporting check-facts`)."""
from __future__ import annotations

from sqlalchemy import case, delete, event, func, inspect, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.certificates.models import Certificate, CertificateStatus
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.progress.models import ProgressItem
from app.reporting.models import EnrolmentFact

FACTS = EnrolmentFact.__table__
COLUMNS = ("enrolment_id", "land", "district_ags", "municipality", "course_id", "cohort_id", "in_progress", "enrolled_at",
           "completed_at", "certified_at", "last_activity_at")

# attributes whose change moves an enrolment's row
_WATCHED = {
    Enrolment: ("status", "enrolled_at", "completed_at", "cohort_id", "user_id"),
    User: ("land", "district_ags", "municipality"),
    Cohort: ("land", "district_ags", "course_id"),
    Certificate: ("status", "issued_at", "enrolment_id"),
    ProgressItem: ("completed_at", "enrolment_id"),
}


def derived_rows(condition=None):
    """The facts as the source tables define them, for the enrolments matching `condition`."""
    certified_at = (
        select(func.min(Certificate.issued_at))
        .where(Certificate.enrolment_id == Enrolment.id, Certificate.status == CertificateStatus.VALID)
        .correlate(Enrolment).scalar_subquery()
    )
    last_activity_at = (
        select(func.max(ProgressItem.completed_at)).where(ProgressItem.enrolment_id == Enrolment.id)
        .correlate(Enrolment).scalar_subquery()
    )
    query = (
        select(
            Enrolment.id, func.coalesce(User.land, Cohort.land),
            case((User.land.is_not(None), User.district_ags), else_=Cohort.district_ags), User.municipality,
            Cohort.course_id, Enrolment.cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE, Enrolment.enrolled_at,
            Enrolment.completed_at, certified_at, last_activity_at,
        )
        .select_from(Enrolment).join(Cohort, Cohort.id == Enrolment.cohort_id).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.status != EnrolmentStatus.INVITED)
    )
    return query.where(condition) if condition is not None else query


def refresh(connection, *, enrolment_ids=(), user_ids=(), cohort_ids=()) -> None:
    """Recomputes the rows of the given enrolments and of every enrolment of the given users and
    cohorts (two statements)."""
    conditions = []
    if enrolment_ids:
        conditions.append(Enrolment.id.in_(sorted(enrolment_ids)))
    if user_ids:
        conditions.append(Enrolment.user_id.in_(sorted(user_ids)))
    if cohort_ids:
        conditions.append(Enrolment.cohort_id.in_(sorted(cohort_ids)))
    if not conditions:
        return
    condition = or_(*conditions)
    stale = [FACTS.c.enrolment_id.in_(select(Enrolment.id).where(condition))]
    if enrolment_ids:  # also rows of enrolments deleted in this flush
        stale.append(FACTS.c.enrolment_id.in_(sorted(enrolment_ids)))
    connection.execute(delete(FACTS).where(or_(*stale)))
    connection.execute(FACTS.insert().from_select(COLUMNS, derived_rows(condition)))


def rebuild(connection) -> int:
    """Recomputes the whole table (after bulk inserts that bypass the ORM); returns its row count."""
    connection.execute(delete(FACTS))
    connection.execute(FACTS.insert().from_select(COLUMNS, derived_rows()))
    return connection.execute(select(func.count()).select_from(FACTS)).scalar_one()


def check(connection) -> list[str]:
    """Differences between the table and a full recomputation, as readable lines (none: equal)."""
    def rows(query):
        return {row[0]: tuple(row) for row in connection.execute(query)}

    stored = rows(select(*(FACTS.c[name] for name in COLUMNS)))
    derived = rows(derived_rows())
    problems = []
    for enrolment_id in sorted(stored.keys() | derived.keys()):
        have, want = stored.get(enrolment_id), derived.get(enrolment_id)
        if have != want:
            problems.append(f"enrolment {enrolment_id}: stored {have}, derived {want}")
    return problems


def _changed(obj, attributes) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def subscribe() -> None:
    """Called once from create_app (a second app in the same process adds nothing)."""
    if not event.contains(Session, "after_flush", _follow_flush):
        event.listen(Session, "after_flush", _follow_flush)


def _follow_flush(session: Session, flush_context) -> None:
    # The session still lists what this flush wrote (new, dirty, deleted) with attribute history.
    enrolment_ids: set[int] = set()
    user_ids: set[int] = set()
    cohort_ids: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Enrolment):
            enrolment_ids.add(obj.id)
        elif isinstance(obj, (ProgressItem, Certificate)):
            enrolment_ids.add(obj.enrolment_id)
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched is None or not _changed(obj, watched):
            continue
        if isinstance(obj, Enrolment):
            enrolment_ids.add(obj.id)
        elif isinstance(obj, (ProgressItem, Certificate)):
            enrolment_ids.update(i for i in (obj.enrolment_id, *inspect(obj).attrs.enrolment_id.history.deleted) if i)
        elif isinstance(obj, User):
            user_ids.add(obj.id)
        elif isinstance(obj, Cohort):
            cohort_ids.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Enrolment):
            enrolment_ids.add(obj.id)
        elif isinstance(obj, (ProgressItem, Certificate)):
            enrolment_ids.add(obj.enrolment_id)
    if enrolment_ids or user_ids or cohort_ids:
        refresh(session.connection(), enrolment_ids=enrolment_ids, user_ids=user_ids, cohort_ids=cohort_ids)

