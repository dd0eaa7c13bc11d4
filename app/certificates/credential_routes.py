"""Open Badges 3.0: the credential downloads (the learner's page, the public verify page), the
revocation list and the issuer's keys. Routes of the certificates blueprint."""
from __future__ import annotations

from flask import Response, abort, jsonify
from flask_login import current_user, login_required
from sqlalchemy import select

from app.certificates import access, openbadges
from app.certificates.credential import MEDIA_TYPE
from app.certificates.models import Certificate, CertificateStatus
from app.certificates.routes import _CODE, bp
from app.errors import DomainError
from app.extensions import db


def _credential_response(certificate: Certificate, cache: str) -> Response:
    try:
        token = openbadges.credential_jwt(certificate)
    except DomainError:  # production without a signing key
        abort(503)
    response = Response(token, mimetype=MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{openbadges.credential_filename(certificate)}"'
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/zertifikate/<int:certificate_id>/open-badge.jwt")
@login_required
def credential_download(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not access.can_download_credential(current_user, certificate):
        abort(404)
    return _credential_response(certificate, "private, no-store")


@bp.get("/verify/<code>/open-badge.jwt")
def verify_credential(code: str):
    """Public like the verify page, and only while the certificate is valid: a revoked or
    superseded certificate is not handed out as a new credential."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code)) if _CODE.match(code) else None
    if certificate is None or certificate.status != CertificateStatus.VALID:
        abort(404)
    return _credential_response(certificate, "no-store")


def _public(response: Response, cache: str) -> Response:
    """Wallets and verifiers read these from their own pages: any origin may."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = cache
    return response


@bp.get(openbadges.STATUS_LIST_PATH)
def status_list():
    try:
        token = openbadges.status_list_jwt()
    except DomainError:
        abort(503)
    return _public(Response(token, mimetype=MEDIA_TYPE), "no-cache")


@bp.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(openbadges.issuer_jwks())
    response.mimetype = "application/jwk-set+json"
    return _public(response, "public, max-age=3600")


@bp.get("/.well-known/did.json")
@bp.get("/did.json")  # where did:web looks when BASE_URL has a path
def did_document():
    return _public(jsonify(openbadges.issuer_did_document()), "public, max-age=3600")
