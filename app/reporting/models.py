"""Indexes the agency's figures rely on. The reporting feature owns no tables; it reads
enrolments, users, cohorts, progress events and certificates, and these indexes make those reads
index-only scans (see docs/performance.md, "Agency reporting", for the query plans)."""
from __future__ import annotations

from sqlalchemy import Index

from app.accounts.models import User
from app.certificates.models import Certificate
from app.cohorts.models import Cohort, Enrolment
from app.progress.models import ProgressItem

# Recent learning activity ("active" learners): a range scan over the last days' events only.
ix_progress_items_completed_at = Index("ix_progress_items_completed_at", ProgressItem.completed_at, ProgressItem.enrolment_id)
# Everything the figures need from an enrolment, without touching the table.
ix_enrolments_report = Index(
    "ix_enrolments_report", Enrolment.cohort_id, Enrolment.user_id, Enrolment.status, Enrolment.enrolled_at, Enrolment.completed_at,
)
# The learner's region, read by primary key through a covering index.
ix_users_region = Index("ix_users_region", User.id, User.land, User.district_ags, User.municipality)
# Current certificates per enrolment with their date (status and date filter without the JSON snapshot).
ix_certificates_report = Index("ix_certificates_report", Certificate.enrolment_id, Certificate.status, Certificate.issued_at)
ix_cohorts_land = Index("ix_cohorts_land", Cohort.land, Cohort.course_id)
