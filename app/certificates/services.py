"""Deciding, issuing, re-issuing and revoking certificates; rendering issued ones.

Issued certificates are immutable snapshots: everything a certificate states (course content,
design texts and colours, the hashes of its images, issuer and signatories) is copied into
`Certificate.data` at issue and signed with Ed25519. Rendering reads only the snapshot."""
from __future__ import annotations

import logging
import secrets
import zipfile
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit import services as audit
from app.certificates import signing
from app.certificates.access import can_approve_completion
from app.certificates.eligibility import awaits_approval, is_eligible
from app.certificates.models import (
    ApprovalRequest, Certificate, CertificateAsset, CertificateCounter, CertificateStatus, CompletionApproval,
)
from app.certificates.pdf import add_asset, design_snapshot, render_certificate
from app.certificates.queries import completion_state, is_approved
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.db import add_unless_duplicate, utcnow
from app.errors import DomainError, NotAllowed
from app.extensions import db
from app.links import absolute_url
from app.mail.services import AttachmentError, queue_mail
from app.privacy.rules import anonymised_certificate_data

log = logging.getLogger(__name__)

APPROVAL_NOTE_LENGTH = 1000  # CompletionApproval.note


# -- signing key ----------------------------------------------------------------------------------

def signing_key():
    """The configured Ed25519 key. Development and tests generate one once into the instance
    folder (like the secret key); production refuses to issue without CERTIFICATE_SIGNING_KEY."""
    text = current_app.config.get("CERTIFICATE_SIGNING_KEY")
    if not text:
        if current_app.config.get("ENV_NAME") == "production":
            log.error("CERTIFICATE_SIGNING_KEY is not set: certificates cannot be issued")
            raise DomainError(_("Zertifikate können derzeit nicht ausgestellt werden: Der Signaturschlüssel ist nicht eingerichtet."))
        text = _instance_signing_key(Path(current_app.instance_path))
        current_app.config["CERTIFICATE_SIGNING_KEY"] = text
    return _load_key(text)


@lru_cache(maxsize=4)
def _load_key(text: str):
    return signing.load_private_key(text)


def _instance_signing_key(instance: Path) -> str:
    path = instance / "certificate_signing_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = signing.generate_private_key()
    path.write_text(key)
    path.chmod(0o600)
    return key


def known_public_keys() -> dict:
    """key id → public key: the current signing key's and the former ones still accepted."""
    keys = {}
    text = current_app.config.get("CERTIFICATE_SIGNING_KEY")
    if text or current_app.config.get("ENV_NAME") != "production":
        key = signing_key().public_key()
        keys[signing.key_id(key)] = key
    for entry in (current_app.config.get("CERTIFICATE_VERIFY_KEYS") or "").split(","):
        if entry.strip():
            public = signing.load_public_key(entry)
            keys[signing.key_id(public)] = public
    return keys


# -- numbers and snapshot -------------------------------------------------------------------------

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


def verification_url(code: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def _assessment(course, kind: str) -> dict:
    """The assessment forms, from the course's completion rules and items (structured, so the
    design's texts in both languages can state them)."""
    none = {"quizzes_pass_mark": None, "assignments": False, "final_project": False, "trainer_approval": False}  # nosec B105 - assessment settings, not a password
    if kind != "zertifikat":
        return none
    rules = course.completion or {}
    modules = course.active_modules
    pass_marks = [q.pass_mark for m in modules for q in m.quizzes if q.archived_at is None]
    assignments = [(m, a) for m in modules for a in m.assignments if a.archived_at is None and a.settings.get("required", True)]
    graded = rules.get("assignments", "all") == "all"
    return {
        "quizzes_pass_mark": min(pass_marks) if pass_marks and rules.get("quizzes", "all") == "all" else None,
        "assignments": graded and any(not m.final_project for m, _a in assignments),
        "final_project": graded and any(m.final_project for m, _a in assignments),
        "trainer_approval": bool(rules.get("trainer_approval")),
    }


def _signatories(design_folder: Path, assets: dict[str, bytes]) -> list[dict]:
    """From CERTIFICATE_SIGNATORIES: "Name|Rolle|Unterschrift.png;…" (image optional, in the design folder)."""
    raw = current_app.config.get("CERTIFICATE_SIGNATORIES") or ""
    result = []
    for entry in raw.split(";"):
        name, role, image = (entry.split("|") + ["", ""])[:3]
        if not name.strip():
            continue
        signature = None
        if image.strip():
            path = design_folder / image.strip()
            if path.is_file():
                signature = add_asset(assets, path)
            else:
                log.warning("signature image %s not found", path)
        result.append({"name": name.strip(), "role": role.strip(), "signature": signature})
    return result


def snapshot(enrolment: Enrolment, number: str, code: str, issued_on: date, expires_on: date | None) -> tuple[dict, dict[str, bytes]]:
    """What the certificate states, and the images it needs (SHA-256 → bytes)."""
    course = enrolment.cohort.course
    settings = course.certificate or {}
    kind = settings.get("kind", "zertifikat")
    designs_dir = current_app.config["CERTIFICATE_DESIGNS_DIR"]
    design, assets = design_snapshot(designs_dir, settings.get("design", ""))
    data = {
        "name": enrolment.user.name,
        "course_slug": course.slug,
        "course_title": course.title,
        "course_version": course.version,
        "hours": float(course.hours),
        "modules": [
            {"title": m.title, "hours": float(m.hours), "objectives": list(m.objectives)} for m in course.active_modules
        ],
        "kind": kind,
        "assessment": _assessment(course, kind),
        "design": design,
        "issuer": current_app.config["CERTIFICATE_ISSUER"],
        "issuer_country": current_app.config["CERTIFICATE_ISSUER_COUNTRY"],
        "signatories": _signatories(Path(designs_dir) / design["name"], assets),
        "participation": "online",
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "number": number,
        "verify_url": verification_url(code),
        "cohort": enrolment.cohort.name,
    }
    return data, assets


def _store_assets(assets: dict[str, bytes]) -> None:
    existing = set(db.session.scalars(select(CertificateAsset.sha256).where(CertificateAsset.sha256.in_(list(assets)))))
    for digest, content in assets.items():
        if digest not in existing:  # a refused duplicate was stored concurrently by another issuer: the same bytes
            add_unless_duplicate(CertificateAsset(sha256=digest, media_type="image/png", content=content))


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
    from flask import has_request_context, render_template

    if not has_request_context():  # CLI, background work: templates need a request context
        with current_app.test_request_context("/"):
            return _mail_trainers_about_approval(enrolment)
    cohort, learner = enrolment.cohort, enrolment.user
    link = absolute_url("cohorts.detail", cohort_id=cohort.id) + "#freigaben"
    for trainer in cohort.trainers:
        if not trainer.active:
            continue
        with force_locale(trainer.locale or "de"):
            subject = _("Abschluss wartet auf Ihre Freigabe: %(name)s", name=learner.name)
            body = render_template("mail/approval_requested.txt", trainer=trainer, learner=learner, cohort=cohort,
                                   course=cohort.course, link=link)
        queue_mail(trainer.email, subject, body)


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
    approval = CompletionApproval(enrolment_id=enrolment.id, approved_by_id=trainer.id, approved_at=utcnow(), note=note)
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
    issued_at = utcnow()
    issued_on = issued_at.date()
    years = settings.get("validity_years")
    expires_on = _add_years(issued_on, years) if years else None
    prefix = settings.get("prefix", "CERT")
    key = signing_key()  # before anything is written: production without a key issues nothing
    try:
        with db.session.begin_nested():
            number = f"{prefix}-{issued_on.year}-{_next_number(prefix, issued_on.year):05d}"
            code = secrets.token_urlsafe(18)
            data, assets = snapshot(enrolment, number, code, issued_on, expires_on)
            _store_assets(assets)
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
    issued_at = utcnow()
    prefix = certificate.number.rsplit("-", 2)[0]
    try:
        with db.session.begin_nested():
            number = f"{prefix}-{issued_at.year}-{_next_number(prefix, issued_at.year):05d}"
            code = secrets.token_urlsafe(18)
            data = dict(certificate.data)
            data.update(
                name=(name or certificate.enrolment.user.name).strip(), number=number, verify_url=verification_url(code),
                issued_on=issued_at.date().isoformat(),
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
    certificate.revoked_at = utcnow()
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
    user = certificate.enrolment.user
    with force_locale(user.locale or "de"):
        if certificate.kind == "zertifikat":
            subject = _("Ihr Zertifikat „%(course)s“", course=certificate.data["course_title"])
        else:
            subject = _("Ihre Teilnahmebescheinigung „%(course)s“", course=certificate.data["course_title"])
        # the Jinja environment directly: issuing may run outside a request (CLI, batch, tests)
        body = current_app.jinja_env.get_template("mail/certificate_issued.txt").render(user=user, certificate=certificate)
    queue_mail(user.email, subject, body, attachments=[{"kind": "certificate", "id": certificate.id}])


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- reading and rendering ------------------------------------------------------------------------

def verification_status(certificate: Certificate, today: date | None = None) -> str:
    """valid | revoked | superseded | expired"""
    today = today or utcnow().date()
    if certificate.status.value != "valid":
        return certificate.status.value
    if certificate.expires_on and certificate.expires_on < today:
        return "expired"
    return "valid"


def _asset_digests(data: dict) -> set[str]:
    design = data.get("design")
    digests = {design.get("logo")} if isinstance(design, dict) else set()
    digests |= {s.get("signature") for s in data.get("signatories", [])}
    return {d for d in digests if d}


_ASSET_CACHE: dict[str, bytes] = {}  # content-addressed and immutable, so caching is always safe


def load_assets(digests: set[str]) -> dict[str, bytes]:
    missing = [d for d in digests if d not in _ASSET_CACHE]
    if missing:
        for asset in db.session.scalars(select(CertificateAsset).where(CertificateAsset.sha256.in_(missing))):
            _ASSET_CACHE[asset.sha256] = asset.content  # a design's few images
    return {d: _ASSET_CACHE[d] for d in digests if d in _ASSET_CACHE}


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF, from its snapshot alone: the same bytes every time."""
    return render_certificate(certificate.data, load_assets(_asset_digests(certificate.data)), certificate.seal,
                              designs_dir=current_app.config["CERTIFICATE_DESIGNS_DIR"])


def filename(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"


def cohort_certificates(cohort: Cohort) -> list[Certificate]:
    """The cohort's valid certificates (current versions), by learner name."""
    certificates = db.session.scalars(
        select(Certificate).join(Enrolment).where(Enrolment.cohort_id == cohort.id, Certificate.status == CertificateStatus.VALID)
        .options(selectinload(Certificate.enrolment))
    ).all()
    return sorted(certificates, key=lambda c: (c.data["name"].casefold(), c.number))


def write_cohort_zip(certificates: list[Certificate], target) -> int:
    """Writes one PDF per certificate into a ZIP (stored, not deflated: PDFs are compressed
    already); returns the number of files."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            info = zipfile.ZipInfo(filename(certificate), date_time=certificate.issued_at.timetuple()[:6])
            archive.writestr(info, render_pdf(certificate))
    return len(certificates)


def certificate_attachment(reference: dict) -> tuple[str, str, bytes]:
    certificate = db.session.get(Certificate, int(reference.get("id", 0)))
    if certificate is None:
        raise AttachmentError(f"certificate {reference.get('id')} not found")
    return filename(certificate), "application/pdf", render_pdf(certificate)




# -- personal data --------------------------------------------------------------------------------

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



def check_pdf(pdf: bytes | Path) -> signing.Check:
    """Checks a certificate PDF offline: valid, tampered, unknown key or unsigned."""
    from app.certificates.pdf import read_seal

    try:
        message, signature, signer = read_seal(pdf)
    except Exception:  # not a PDF at all (pikepdf raises its own errors)
        return signing.Check(signing.UNSIGNED)
    return signing.check(message, signature, signer, known_public_keys())

