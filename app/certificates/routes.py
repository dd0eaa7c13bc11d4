from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.certificates.models import Certificate
from app.certificates.pdf import render_certificate
from app.certificates.services import verification_status
from app.extensions import db
from app.security import can_manage_certificate

bp = Blueprint("certificates", __name__)
_CODE = re.compile(r"^[A-Za-z0-9_-]{10,40}$")


@bp.get("/zertifikate/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not can_manage_certificate(current_user, certificate):
        abort(404)
    pdf = render_certificate(certificate.data, current_app.config["CERTIFICATE_DESIGNS_DIR"])
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/verify")
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
def verify(code: str):
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code)) if _CODE.match(code) else None
    if certificate is None:
        return render_template("certificates/verify_unknown.html"), 404
    return render_template("certificates/verify.html", certificate=certificate, status=verification_status(certificate))
