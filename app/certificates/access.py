"""Who may see and act on which certificate. Views ask these; templates get booleans."""
from __future__ import annotations

from sqlalchemy import Select, select

from app.accounts.models import Role, User
from app.certificates.models import Certificate, CertificateStatus
from app.cohorts.models import Cohort, Enrolment, cohort_trainers


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_cohort_trainer(user: User, cohort: Cohort) -> bool:
    return user.role == Role.TRAINER and any(t.id == user.id for t in cohort.trainers)


def can_download(user: User, certificate: Certificate) -> bool:
    """Learners their own valid certificates; the cohort's trainers and admins every version."""
    if not _authenticated(user):
        return False
    if user.role == Role.ADMIN:
        return True
    enrolment = certificate.enrolment
    if enrolment.user_id == user.id:
        return certificate.status == CertificateStatus.VALID
    return is_cohort_trainer(user, enrolment.cohort)


def can_download_credential(user: User, certificate: Certificate) -> bool:
    """The Open Badges credential from the learner's page: the holder, of a valid certificate
    (anyone else gets it from the public verify page, like the page itself)."""
    return _authenticated(user) and certificate.enrolment.user_id == user.id and certificate.status == CertificateStatus.VALID


def can_see_certificate(user: User, certificate: Certificate) -> bool:
    """The staff view (details, history, re-send): the cohort's trainers and admins."""
    if not _authenticated(user):
        return False
    return user.role == Role.ADMIN or is_cohort_trainer(user, certificate.enrolment.cohort)


def can_resend(user: User, certificate: Certificate) -> bool:
    return can_see_certificate(user, certificate)


def can_administer(user: User) -> bool:
    """Revoke and re-issue: admins only."""
    return _authenticated(user) and user.role == Role.ADMIN


def can_approve_completion(user: User, enrolment: Enrolment) -> bool:
    """Approve a learner's completion where the course asks for it: the cohort's trainers and admins."""
    return _authenticated(user) and (user.role == Role.ADMIN or is_cohort_trainer(user, enrolment.cohort))


def can_download_cohort(user: User, cohort: Cohort) -> bool:
    return _authenticated(user) and (user.role == Role.ADMIN or is_cohort_trainer(user, cohort))


def visible_cohorts(user: User) -> Select:
    query = select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.name)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.TRAINER:
        return query.join(cohort_trainers, cohort_trainers.c.cohort_id == Cohort.id).where(cohort_trainers.c.user_id == user.id)
    return query.where(False)


def visible_certificates(user: User) -> Select:
    query = select(Certificate).join(Enrolment, Certificate.enrolment_id == Enrolment.id)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.TRAINER:
        return query.join(cohort_trainers, cohort_trainers.c.cohort_id == Enrolment.cohort_id).where(cohort_trainers.c.user_id == user.id)
    return query.where(False)
