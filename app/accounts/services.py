"""Accounts: the write API. Services flush, never commit; the view commits."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select, update

from app import clock
from app.accounts import login_cache
from app.accounts.models import LoginSession, PasswordResetToken, Role, User
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.errors import DomainError
from app.db import attach_row, read_row
from app.extensions import db
from app.links import absolute_url
from app.mail.compose import mail_user


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, role: Role, password: str | None = None) -> User:
    email = normalise_email(email)
    if find_user(email):
        raise DomainError(_("Diese E-Mail-Adresse ist bereits registriert."))
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None — the same answer whatever was wrong."""
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, password: str) -> None:
    """Sets a new password, ends every existing session of the user and voids every reset link
    still open: an older reset mail must not set a password after a newer one did."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.now())
    )
    db.session.flush()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new login session for this browser; returns its key (kept in the signed session cookie
    through user.get_id(), stored here only as a hash)."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, key_hash=_token_hash(key)))
    user.session_key = key
    db.session.flush()
    return key


# Built once (and compiled once per dialect by read_row): the user's columns as a row, not an
# object — it runs before every signed-in page.
_SESSION_USER = (
    select(*User.__table__.columns, LoginSession.created_at.label("login_created_at")).join(LoginSession.__table__, LoginSession.user_id == User.id)
    .where(LoginSession.key_hash == bindparam("key_hash"), User.id == bindparam("user_id"),
           User.active.is_(True), LoginSession.created_at > bindparam("not_before"))
)


def load_session_user(user_id: int, key: str, max_age: timedelta) -> User | None:
    """The active user of this login session, or None if it was ended or is older than max_age.
    One read over the unique key hash, on every signed-in request, straight through the driver
    (app.db.read_row); on PostgreSQL kept per process until the database notifies a change
    (accounts.login_cache). The user is then an ordinary object of the request's session."""
    key_hash = _token_hash(key)
    not_before = clock.now() - max_age
    cache = login_cache.for_app(current_app)
    row = cache.get(user_id, key_hash, not_before) if cache is not None else None
    if row is None:
        generation = cache.generation if cache is not None else 0
        row = read_row(_SESSION_USER, {"key_hash": key_hash, "user_id": user_id, "not_before": not_before})
        if row is None:
            return None
        if cache is not None:
            cache.put(generation, user_id, key_hash, row, row["login_created_at"])
    user = attach_row(User, row)
    user.session_key = key
    return user


def end_session(user: User) -> None:
    """Signing out: this browser's session ends on the server, a copy of its cookie opens nothing."""
    if user.session_key:
        db.session.execute(delete(LoginSession).where(LoginSession.key_hash == _token_hash(user.session_key)))
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Every session of the user ends (überall abmelden, new password, deactivated or deleted account)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.flush()


def request_password_reset(email: str) -> None:
    """Mails a single-use reset link if the address belongs to an active account; silent otherwise."""
    user = find_user(email)
    if user is None or not user.active:
        return
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(PasswordResetToken(user=user, token_hash=_token_hash(token), expires_at=clock.now() + timedelta(hours=hours)))
    mail_user(user, "mail/password_reset.txt", _l("Ihr Link zum Zurücksetzen des Passworts"),
              link=absolute_url("accounts.reset_password", token=token), hours=hours)
    db.session.flush()


def find_reset_token(token: str) -> PasswordResetToken | None:
    """The token if it exists, is unused and has not expired."""
    row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at < clock.now():
        return None
    return row


def reset_password(token: str, password: str) -> User:
    row = find_reset_token(token)
    if row is None:
        raise DomainError(_("Dieser Link ist abgelaufen oder wurde bereits benutzt. Bitte fordern Sie einen neuen an."))
    row.used_at = clock.now()
    set_password(row.user, password)
    return row.user


def update_profile(user: User, name: str, municipality: str | None, district_ags: str | None, position: str | None) -> None:
    """The profile the agency counts by: municipality, district (official AGS), Land derived from it."""
    from app.regions import district

    found = district(district_ags) if district_ags else None
    if district_ags and found is None:
        raise DomainError(_("Bitte wählen Sie einen Kreis aus der Liste."))
    if not (name or "").strip():
        raise DomainError(_("Bitte geben Sie Ihren Namen an."))
    user.name = name.strip()[:200]
    user.municipality = (municipality or "").strip()[:200] or None
    user.position = (position or "").strip()[:200] or None
    user.district_ags = found.ags if found else None
    user.land = found.land if found else None
    db.session.flush()
