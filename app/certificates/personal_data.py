"""A person's certificates and completion approvals in the data export and at account deletion
(called by the receivers in subscribers.py: privacy does not know certificates)."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.certificates import signing
from app.certificates.keys import signing_key
from app.certificates.models import Certificate, CompletionApproval
from app.cohorts.models import Enrolment
from app.errors import DomainError
from app.extensions import db
from app.privacy.rules import anonymised_certificate_data


def export_approvals(user: User) -> list[dict]:
    """The approvals of the person's completions, for their data export."""
    return [
        {"enrolment_id": a.enrolment_id, "approved_at": a.approved_at.isoformat(), "note": a.note}
        for a in db.session.scalars(
            select(CompletionApproval).join(Enrolment, CompletionApproval.enrolment_id == Enrolment.id)
            .where(Enrolment.user_id == user.id).order_by(CompletionApproval.enrolment_id)
        )
    ]


def anonymise_certificates(user: User) -> None:
    """Deleting an account: the name replaced in every version's snapshot, which is signed again
    so that the stored signature stays true. PDFs already handed out keep their own (older)
    signature."""
    certificates = db.session.scalars(
        select(Certificate).join(Enrolment, Certificate.enrolment_id == Enrolment.id).where(Enrolment.user_id == user.id)
    ).all()
    if not certificates:
        return
    try:
        key = signing_key()
    except DomainError:  # production without a signing key: better unsigned than a false seal
        key = None
    for certificate in certificates:
        data = anonymised_certificate_data(certificate.data)
        certificate.data = data
        certificate.signature = signing.sign(key, signing.canonical(data)) if key else None
        certificate.signing_key_id = signing.key_id(key) if key else None
    db.session.flush()


def erase_approval_notes(user: User) -> None:
    """Deleting an account keeps the approval (the certificate rests on it) but not the trainer's
    note about the person."""
    for approval in db.session.scalars(
        select(CompletionApproval).join(Enrolment, CompletionApproval.enrolment_id == Enrolment.id).where(Enrolment.user_id == user.id)
    ):
        approval.note = None
