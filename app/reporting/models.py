"""The agency's figures read one narrow table, `enrolment_facts`: per counted enrolment, where it
counts (Land, district, municipality), what it belongs to (course, cohort) and its dates. It is
derived data, kept current in the transaction of every change to the rows it is made of (see
`app.reporting.facts`), the same principle as the stored progress: a dashboard request reads
one row per enrolment instead of joining users, cohorts, certificates and progress events.

docs/performance.md, "Agency reporting", has the figures and query plans."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.certificates.models import Certificate
from app.cohorts.models import Cohort
from app.db import UTCDateTime
from app.extensions import db


class EnrolmentFact(db.Model):
    """One enrolment as the agency counts it. Invited enrolments (not yet accepted) have no row.

    The region is the learner's profile district and Land; without a profile Land, the cohort's."""

    __tablename__ = "enrolment_facts"
    __table_args__ = (
        # Scope (Land) and the grouping by district first, so an agency user's figures are a range
        # of this index; the filters and dates follow, so the figures are read from the index alone.
        Index("ix_enrolment_facts_region", "land", "district_ags", "course_id", "cohort_id", "enrolled_at", "completed_at",
              "certified_at", "last_activity_at", "in_progress"),
        Index("ix_enrolment_facts_cohort_id", "cohort_id"),
    )

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True,
                                              autoincrement=False)
    land: Mapped[str] = mapped_column(String(2))
    district_ags: Mapped[str | None] = mapped_column(String(5))
    municipality: Mapped[str | None] = mapped_column(String(200))
    course_id: Mapped[int]
    cohort_id: Mapped[int]
    in_progress: Mapped[bool]  # enrolment status "active": may count as an active learner
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # issue date of the valid certificate
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # latest progress event


# The certificate register: current certificates per enrolment with their date, without reading
# the JSON snapshot.
ix_certificates_report = Index("ix_certificates_report", Certificate.enrolment_id, Certificate.status, Certificate.issued_at)
ix_cohorts_land = Index("ix_cohorts_land", Cohort.land, Cohort.course_id)
