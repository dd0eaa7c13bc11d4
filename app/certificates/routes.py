from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import navigation
from app.accounts.models import Role
from app.certificates import access, downloads
from app.certificates.forms import ActionForm, ReissueForm, RevokeForm
from app.certificates.models import Certificate, CertificateStatus, CompletionApproval
from app.certificates.documents import cohort_certificates, filename, render_pdf
from app.certificates.services import reissue_certificate, resend_certificate_mail, revoke_certificate
from app.certificates.verification import verification_status
from app.cohorts.models import Cohort, Enrolment
from app.errors import DomainError
from app.exports.routes import offer
from app.extensions import db, limiter
from app.security import role_required

bp = Blueprint("certificates", __name__)
_CODE = re.compile(r"^[A-Za-z0-9_-]{10,40}$")
PAGE_SIZE = 100

navigation.register("certificates.index", lambda: _("Zertifikate"), {"trainer", "admin"}, order=60)


# -- downloads ------------------------------------------------------------------------------------

@bp.get("/zertifikate/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not access.can_download(current_user, certificate):
        abort(404)
    response = Response(render_pdf(certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(certificate)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/zertifikate/kohorte/<int:cohort_id>.zip", methods=["GET", "POST"])
@login_required
def cohort_zip(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    if not access.can_download_cohort(current_user, cohort):
        abort(404)
    count = len(cohort_certificates(cohort))
    if not count:
        flash(_("In dieser Kohorte ist noch kein gültiges Zertifikat ausgestellt."), "error")
        return redirect(url_for("certificates.index", cohort=cohort.id))
    # a few PDFs are rendered at once; a large cohort's ZIP is prepared in the background
    return offer(downloads.KIND, {"cohort_id": cohort.id}, downloads.title(cohort), estimate=count)


# -- staff pages ----------------------------------------------------------------------------------

@bp.get("/zertifikate")
@role_required(Role.TRAINER, Role.ADMIN)
def index():
    cohorts = db.session.scalars(access.visible_cohorts(current_user)).all()
    cohort_id = request.args.get("cohort", type=int)
    cohort = next((c for c in cohorts if c.id == cohort_id), None)
    query = access.visible_certificates(current_user)
    if cohort is not None:
        query = query.where(Enrolment.cohort_id == cohort.id)
    if request.args.get("alle") != "1":
        query = query.where(Certificate.status != CertificateStatus.SUPERSEDED)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, request.args.get("seite", default=1, type=int))
    certificates = db.session.scalars(
        query.options(selectinload(Certificate.enrolment).selectinload(Enrolment.cohort))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "certificates/index.html", certificates=certificates, cohorts=cohorts, cohort=cohort, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), show_all=request.args.get("alle") == "1",
        status_of=verification_status, form=ActionForm(),
    )


def _staff_certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not access.can_see_certificate(current_user, certificate):
        abort(404)
    return certificate


@bp.get("/zertifikate/<int:certificate_id>")
@login_required
def detail(certificate_id: int):
    certificate = _staff_certificate_or_404(certificate_id)
    return _render_detail(certificate, RevokeForm(prefix="revoke"), ReissueForm(prefix="reissue", name=certificate.enrolment.user.name))


def _render_detail(certificate: Certificate, revoke_form: RevokeForm, reissue_form: ReissueForm, status: int = 200):
    versions = db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id == certificate.enrolment_id).order_by(Certificate.version.desc())
    ).all()
    may_administer = access.can_administer(current_user)
    return render_template(
        "certificates/detail.html", certificate=certificate, versions=versions, status=verification_status(certificate),
        status_of=verification_status, action_form=ActionForm(), revoke_form=revoke_form, reissue_form=reissue_form,
        may_administer=may_administer, may_resend=access.can_resend(current_user, certificate),
        is_latest=versions[0].id == certificate.id, approval=db.session.get(CompletionApproval, certificate.enrolment_id),
    ), status


@bp.post("/zertifikate/<int:certificate_id>/senden")
@login_required
def resend(certificate_id: int):
    certificate = _staff_certificate_or_404(certificate_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        resend_certificate_mail(certificate)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    db.session.commit()
    flash(_("Das Zertifikat wird erneut an %(email)s gesendet.", email=certificate.enrolment.user.email), "success")
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


@bp.post("/zertifikate/<int:certificate_id>/widerrufen")
@login_required
def revoke(certificate_id: int):
    certificate = _staff_certificate_or_404(certificate_id)
    if not access.can_administer(current_user):
        abort(403)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _render_detail(certificate, form, ReissueForm(prefix="reissue", name=certificate.enrolment.user.name), 422)
    try:
        revoke_certificate(certificate, current_user, form.reason.data)
    except DomainError as error:
        form.reason.errors.append(error.message)
        return _render_detail(certificate, form, ReissueForm(prefix="reissue", name=certificate.enrolment.user.name), 422)
    db.session.commit()
    flash(_("Zertifikat %(number)s ist widerrufen.", number=certificate.number), "success")
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


@bp.post("/zertifikate/<int:certificate_id>/neu-ausstellen")
@login_required
def reissue(certificate_id: int):
    certificate = _staff_certificate_or_404(certificate_id)
    if not access.can_administer(current_user):
        abort(403)
    form = ReissueForm(prefix="reissue")
    if not form.validate_on_submit():
        return _render_detail(certificate, RevokeForm(prefix="revoke"), form, 422)
    try:
        new = reissue_certificate(certificate, current_user, form.reason.data, name=form.name.data)
    except DomainError as error:
        form.reason.errors.append(error.message)
        return _render_detail(certificate, RevokeForm(prefix="revoke"), form, 422)
    db.session.commit()
    flash(_("Neu ausgestellt als %(number)s; %(old)s ist ersetzt.", number=new.number, old=certificate.number), "success")
    return redirect(url_for("certificates.detail", certificate_id=new.id))


# -- public verification --------------------------------------------------------------------------

def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


# One count per client address for the form and the code links together: whoever tries codes
# (or scrapes names) gets 429 with Retry-After, not an oracle at network speed.
verify_rate_limit = limiter.shared_limit(_verify_limit, scope="verify")


@bp.get("/verify")
@verify_rate_limit
def verify_form():
    number = (request.args.get("number") or "").strip().upper()
    code = (request.args.get("code") or "").strip()
    error = False
    if number or code:
        if _CODE.match(code):
            certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
            if certificate is not None and certificate.number == number:
                return redirect(url_for("certificates.verify", code=code))
        error = True
    return render_template("certificates/verify_form.html", number=number, code=code, error=error), (404 if error else 200)


@bp.get("/verify/<code>")
@verify_rate_limit
def verify(code: str):
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code)) if _CODE.match(code) else None
    if certificate is None:
        return render_template("certificates/verify_unknown.html"), 404
    return render_template("certificates/verify.html", certificate=certificate, status=verification_status(certificate))
