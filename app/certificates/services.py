"""The certificates' write API: deciding (issue when eligible, or ask the trainers for the
approval it waits for), approving, issuing, re-issuing, revoking and mailing certificates.

Issued certificates are immutable snapshots (snapshot.py), signed with Ed25519 (keys.py, signing.py);
their PDFs are rendered from the snapshot alone (documents.py, pdf.py)."""
from __future__ import annotations

import secrets
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import clock
from app.accounts.models import User
from app.audit import services as audit
from app.certificates import signing
from app.certificates.access import can_approve_completion
from app.certificates.eligibility import awaits_approval, is_eligible
from app.certificates.keys import signing_key
from app.certificates.models import ApprovalRequest, Certificate, CertificateCounter, CertificateStatus, CompletionApproval
from app.certificates.queries import completion_state, is_approved
from app.certificates.snapshot import snapshot, store_assets
from app.certificates.verification import verification_url
from app.cohorts.models import Enrolment, EnrolmentStatus
from app.db import add_unless_duplicate
from app.errors import DomainError, NotAllowed
from app.extensions import db
from app.links import absolute_url
from app.mail.compose import mail_user

APPROVAL_NOTE_LENGTH = 1000  # CompletionApproval.note


# -- issuing -------------------------------------------------------------------------------------

def existing_certificate(enrolment: Enrolment) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id).order_by(Certificate.version.desc()).limit(1)
    )


def issue_if_eligible(enrolment: Enrolment) -> Certificate | None:
    """Issues the enrolment's certificate in the current transaction, exactly once."""
    existing = existing_certificate(enrolment)
    if existing is not None:
        return existing
    state = completion_state(enrolment)
    approved = bool(state["rules"].get("trainer_approval")) and is_approved(enrolment)
    if not is_eligible(**state, trainer_approved=approved):
        if awaits_approval(**state, trainer_approved=approved):
            request_approval(enrolment)
        return None
    return issue_certificate(enrolment)


def request_approval(enrolment: Enrolment) -> bool:
    """Tells the cohort's trainers, once per enrolment, that a completion waits for their
    approval. Mailed at once also with TRAINER_NOTIFICATIONS=digest: it holds up a certificate.
    True when the trainers were told now."""
    if db.session.get(ApprovalRequest, enrolment.id) is not None:
        return False
    if not add_unless_duplicate(ApprovalRequest(enrolment_id=enrolment.id)):  # a concurrent transaction told them
        return False
    _mail_trainers_about_approval(enrolment)
    return True


def _mail_trainers_about_approval(enrolment: Enrolment) -> None:
    cohort, learner = enrolment.cohort, enrolment.user
    link = absolute_url("cohorts.detail", cohort_id=cohort.id) + "#freigaben"
    for trainer in cohort.trainers:
        if not trainer.active:
            continue
        mail_user(trainer, "mail/approval_requested.txt", _l("Abschluss wartet auf Ihre Freigabe: %(name)s", name=learner.name),
                  trainer=trainer, learner=learner, cohort=cohort, course=cohort.course, link=link)


def approve_completion(enrolment: Enrolment, trainer: User, note: str | None = None) -> Certificate:
    """A trainer's approval of the enrolment's completion, where the course asks for one, and
    the certificate it releases, in the current transaction.

    The approval is the last step: it is possible only once every other requirement is met (an
    approval given earlier would have to be taken back when the learner fails later), and only
    once per enrolment."""
    if not can_approve_completion(trainer, enrolment):
        raise NotAllowed(_("Nur Trainer:innen der Kohorte können den Abschluss freigeben."))
    state = completion_state(enrolment)
    if not state["rules"].get("trainer_approval"):
        raise DomainError(_("Dieser Kurs braucht keine Freigabe: Das Zertifikat wird automatisch ausgestellt."))
    if is_approved(enrolment):
        raise DomainError(_("Der Abschluss ist bereits freigegeben."))
    if existing_certificate(enrolment) is not None:
        raise DomainError(_("Für diese Einschreibung ist bereits ein Zertifikat ausgestellt."))
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise DomainError(_("Die Einschreibung ist zurückgezogen; ein zurückgezogener Abschluss kann nicht freigegeben werden."))
    if not awaits_approval(**state):
        raise DomainError(_("Noch nicht alle Anforderungen sind erfüllt. Freigeben können Sie erst, wenn alles andere erledigt ist."))
    note = (note or "").strip() or None
    if note is not None and len(note) > APPROVAL_NOTE_LENGTH:
        raise DomainError(_("Die Anmerkung ist zu lang (höchstens %(n)d Zeichen).", n=APPROVAL_NOTE_LENGTH))
    approval = CompletionApproval(enrolment_id=enrolment.id, approved_by_id=trainer.id, approved_at=clock.now(), note=note)
    if not add_unless_duplicate(approval):  # approved at the same moment by someone else: that approval stands
        raise DomainError(_("Der Abschluss ist bereits freigegeben."))
    audit.record("completion_approved", actor=trainer, obj=enrolment, cohort=enrolment.cohort_id, with_note=note is not None)
    certificate = issue_if_eligible(enrolment)
    if certificate is None:  # cannot happen: everything else was checked above, in this transaction
        raise RuntimeError(f"enrolment {enrolment.id} approved but not eligible")
    return certificate


def issue_certificate(enrolment: Enrolment, version: int = 1) -> Certificate:
    """Version 1 of the enrolment's certificate. (enrolment, version) is unique: when another
    transaction issued it first, this one gives up its attempt (number included) and returns
    that certificate."""
    course = enrolment.cohort.course
    settings = course.certificate or {}
    issued_at = clock.now()
    issued_on = clock.local_date(issued_at)
    years = settings.get("validity_years")
    expires_on = _add_years(issued_on, years) if years else None
    prefix = settings.get("prefix", "CERT")
    key = signing_key()  # before anything is written: production without a key issues nothing
    try:
        with db.session.begin_nested():
            number = f"{prefix}-{issued_on.year}-{_next_number(prefix, issued_on.year):05d}"
            code = new_code()
            data, assets = snapshot(enrolment, number, code, issued_on, expires_on)
            store_assets(assets)
            certificate = Certificate(
                enrolment_id=enrolment.id, version=version, number=number, code=code, kind=data["kind"],
                issued_at=issued_at, expires_on=expires_on, data=data,
                signature=signing.sign(key, signing.canonical(data)), signing_key_id=signing.key_id(key),
            )
            db.session.add(certificate)
            db.session.flush()
    except IntegrityError:  # issued concurrently by another request: that one stands
        return existing_certificate(enrolment)
    audit.record("certificate_issued", obj=certificate, number=certificate.number)
    _queue_certificate_mail(certificate)
    return certificate


def new_code() -> str:
    """A verification code: 144 random bits, URL-safe, never beginning with "-" or "_" — a code
    such as "-vX…" (one in 32 of token_urlsafe's) read as an option by `flask certificates
    credential CODE` and looked odd when printed or spoken."""
    while True:
        code = secrets.token_urlsafe(18)
        if code[0].isalnum():
            return code


def reissue_certificate(certificate: Certificate, issued_by, reason: str, name: str | None = None) -> Certificate:
    """A new version of the same qualification (e.g. after a name change): same content, design
    and expiry, a new number and code, today's date; the old version is marked superseded."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Bitte geben Sie einen Grund für die Neuausstellung an."))
    latest = existing_certificate(certificate.enrolment)
    if latest.id != certificate.id or certificate.status == CertificateStatus.SUPERSEDED:
        raise DomainError(_("Nur die aktuelle Fassung eines Zertifikats kann neu ausgestellt werden."))
    if certificate.status == CertificateStatus.REVOKED:
        raise DomainError(_("Ein widerrufenes Zertifikat kann nicht neu ausgestellt werden."))
    key = signing_key()
    issued_at = clock.now()
    issued_on = clock.local_date(issued_at)
    prefix = certificate.number.rsplit("-", 2)[0]
    try:
        with db.session.begin_nested():
            number = f"{prefix}-{issued_on.year}-{_next_number(prefix, issued_on.year):05d}"
            code = new_code()
            data = dict(certificate.data)
            data.update(
                name=(name or certificate.enrolment.user.name).strip(), number=number, verify_url=verification_url(code),
                issued_on=issued_on.isoformat(),
                replaces={"number": certificate.number, "issued_on": certificate.data["issued_on"]},
            )
            new = Certificate(
                enrolment_id=certificate.enrolment_id, version=certificate.version + 1, number=number, code=code,
                kind=certificate.kind, issued_at=issued_at, expires_on=certificate.expires_on, data=data,
                signature=signing.sign(key, signing.canonical(data)), signing_key_id=signing.key_id(key),
                reissue_reason=reason, issued_by_id=issued_by.id,
            )
            db.session.add(new)
            db.session.flush()
            certificate.status = CertificateStatus.SUPERSEDED
            db.session.flush()
    except IntegrityError:
        raise DomainError(_("Das Zertifikat wurde gerade von jemand anderem neu ausgestellt.")) from None
    audit.record("certificate_reissued", actor=issued_by, obj=new, number=new.number, replaces=certificate.number, reason=reason)
    _queue_certificate_mail(new)
    return new


def revoke_certificate(certificate: Certificate, revoked_by, reason: str) -> Certificate:
    """Revocation is a state, never a deletion: the record stays with reason, date and who."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Bitte geben Sie einen Grund für den Widerruf an."))
    if certificate.status != CertificateStatus.VALID:
        raise DomainError(_("Nur ein gültiges Zertifikat kann widerrufen werden."))
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = clock.now()
    certificate.revoke_reason = reason
    certificate.revoked_by_id = revoked_by.id
    db.session.flush()
    audit.record("certificate_revoked", actor=revoked_by, obj=certificate, number=certificate.number, reason=reason)
    return certificate


def resend_certificate_mail(certificate: Certificate) -> None:
    if certificate.status != CertificateStatus.VALID:
        raise DomainError(_("Nur gültige Zertifikate können erneut gesendet werden."))
    _queue_certificate_mail(certificate)


def _queue_certificate_mail(certificate: Certificate) -> None:
    if certificate.kind == "zertifikat":
        subject = _l("Ihr Zertifikat „%(course)s“", course=certificate.data["course_title"])
    else:
        subject = _l("Ihre Teilnahmebescheinigung „%(course)s“", course=certificate.data["course_title"])
    mail_user(certificate.enrolment.user, "mail/certificate_issued.txt", subject, certificate=certificate,
              attachments=[{"kind": "certificate", "id": certificate.id}])


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)

# -- numbers --------------------------------------------------------------------------------------

def _next_number(prefix: str, year: int) -> int:
    """The next sequential number for prefix and year; concurrent issuers never get the same one
    (the UPDATE locks the counter row until the transaction ends)."""
    for _attempt in range(5):
        number = db.session.execute(
            update(CertificateCounter)
            .where(CertificateCounter.prefix == prefix, CertificateCounter.year == year)
            .values(last_number=CertificateCounter.last_number + 1)
            .returning(CertificateCounter.last_number)
        ).scalar()
        if number is not None:
            return number
        try:
            with db.session.begin_nested():
                db.session.add(CertificateCounter(prefix=prefix, year=year, last_number=1))
            return 1
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a certificate number")
