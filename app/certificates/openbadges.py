"""Open Badges 3.0 credentials of issued certificates, their revocation list and the issuer's
public keys, from the configuration and the database (reads only: nothing is stored).

A credential is derived from the certificate's signed snapshot whenever it is asked for and signed
with the current key; Ed25519 is deterministic, so the same certificate and key always give the
same bytes. Credentials signed with a former key stay verifiable while that key is listed in
CERTIFICATE_VERIFY_KEYS: the JWKS and the DID document publish those keys too."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from app import clock
from app.certificates import credential, statuslist
from app.certificates.keys import known_public_keys, signing_key
from app.certificates.models import Certificate, CertificateStatus
from app.extensions import db
from app.links import base_url, site_url

STATUS_LIST_PATH = "/credentials/status/revocation"


def issuer_id() -> str:
    return credential.issuer_did(base_url())


def status_list_url() -> str:
    return site_url(STATUS_LIST_PATH)


def achievement_id(data: dict) -> str:
    """One id per qualification and course version, the same in every holder's credential."""
    return uuid.uuid5(uuid.NAMESPACE_URL, site_url(f"/kurse/{data['course_slug']}?version={data.get('course_version')}")).urn


def open_badge(certificate: Certificate) -> dict:
    """The certificate's OpenBadgeCredential (unsigned)."""
    return credential.open_badge(
        certificate.data, credential_id=certificate.data["verify_url"], issuer_id=issuer_id(),
        achievement_id=achievement_id(certificate.data), issued_at=certificate.issued_at,
        expires_on=certificate.expires_on, status_entry=statuslist.entry(status_list_url(), certificate.id),
    )


def _sign(payload: dict, issued_at=None) -> str:
    key = signing_key()
    return credential.sign_jwt(payload, key, credential.key_reference(issuer_id(), key.public_key()), issued_at)


def credential_jwt(certificate: Certificate) -> str:
    """The signed credential (`application/vc+jwt`)."""
    return _sign(open_badge(certificate))


def credential_filename(certificate: Certificate) -> str:
    """Named after the qualification, not the certificate number (which the verify page keeps back)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", certificate.data.get("course_slug", "")).strip("-") or "nachweis"
    return f"open-badge-{slug}.jwt"


def status_list_jwt() -> str:
    """The signed revocation list as it is now: one bit per certificate, set for every
    certificate that is no longer valid (revoked or superseded)."""
    highest = db.session.scalar(select(func.max(Certificate.id))) or 0
    invalid = db.session.scalars(select(Certificate.id).where(Certificate.status != CertificateStatus.VALID)).all()
    payload = statuslist.status_list_credential(status_list_url(), issuer_id(), invalid, statuslist.list_length(highest))
    return _sign(payload, issued_at=clock.now())


def issuer_jwks() -> dict:
    return credential.jwks(issuer_id(), list(known_public_keys().values()))


def issuer_did_document() -> dict:
    return credential.did_document(issuer_id(), list(known_public_keys().values()))


def check_credential(token: str) -> credential.JwtCheck:
    """Our own offline check of a credential JWT against the configured keys (for the CLI)."""
    return credential.check_jwt(token, known_public_keys())

