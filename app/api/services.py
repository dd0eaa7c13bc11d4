"""API tokens: created and revoked by their owner, stored as SHA-256 only, checked on every request.
Services flush, never commit."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.api.models import ApiToken
from app.audit import services as audit
from app.errors import DomainError
from app.extensions import db
from app.reporting.access import can_view_reports

TOKEN_PREFIX = "scc_"  # nosec B105 - the visible prefix of API tokens, not a secret
MAX_TOKENS = 20


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token itself, which is never stored."""
    if not can_view_reports(user):
        raise DomainError(_("API-Zugänge gibt es nur für Agentur und Administration."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Bitte geben Sie dem Token einen Namen."))
    active = db.session.scalar(select(db.func.count(ApiToken.id)).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_TOKENS:
        raise DomainError(_("Sie haben bereits %(n)s aktive Tokens. Bitte widerrufen Sie zuerst eines.", n=MAX_TOKENS))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], token_hash=hash_token(token), prefix=token[:8])
    db.session.add(row)
    db.session.flush()
    audit.record("api_token_created", actor=user, obj=row, name=row.name)
    return row, token


def revoke_token(token: ApiToken, actor: User) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = clock.now()
    audit.record("api_token_revoked", actor=actor, obj=token, name=token.name)
    db.session.flush()


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def presented_token(header: str | None) -> str | None:
    """The token in an "Authorization: Bearer …" header if it has a token's shape; else None.
    Says nothing about whether the token exists."""
    if not header:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(TOKEN_PREFIX) or len(value) > 100:
        return None
    return value


def authenticate(header: str | None) -> ApiToken | None:
    """The active token in an "Authorization: Bearer …" header whose owner is active; else None."""
    value = presented_token(header)
    if value is None:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(value)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Records the last use, at most every five minutes (no write on every request)."""
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
        db.session.flush()
