"""Background tasks of certificates (app/jobs): issuing what became due for many learners at
once — a cohort's attendance, recorded in one request — one job per enrolment.

A job only calls the idempotent issue_if_eligible and commits: the unique (enrolment, version)
of certificates makes a second run (a retry after a killed worker, or two workers at once) find
the certificate already there, and the certificate mail is queued in the transaction that
issues it — so a certificate and its mail exist exactly once, however often the job runs."""
from __future__ import annotations

from app import jobs


@jobs.task("certificates.issue")
def issue_for_enrolment(enrolment_id: int) -> bool:
    """True when the enrolment has its certificate after this run (issued now or before)."""
    from app.certificates.services import issue_if_eligible
    from app.cohorts.models import Enrolment, EnrolmentStatus
    from app.extensions import db

    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.status != EnrolmentStatus.COMPLETED:  # withdrawn (or erased) meanwhile
        return False
    certificate = issue_if_eligible(enrolment)
    db.session.commit()  # the commit queues the delivery of the certificate mail
    return certificate is not None


def issue_later(enrolments) -> int:
    """Queues one issuing job per enrolment that has no certificate yet, run after the current
    transaction commits; returns how many were queued."""
    from sqlalchemy import select

    from app.certificates.models import Certificate
    from app.extensions import db

    ids = [enrolment.id for enrolment in enrolments]
    if not ids:
        return 0
    certified = set(db.session.scalars(select(Certificate.enrolment_id).where(Certificate.enrolment_id.in_(ids))))
    waiting = [enrolment_id for enrolment_id in ids if enrolment_id not in certified]
    for enrolment_id in waiting:
        jobs.enqueue("certificates.issue", enrolment_id)
    return len(waiting)
