from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DDL, Enum, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class Role(str, enum.Enum):
    LEARNER = "learner"
    TRAINER = "trainer"
    AGENCY = "agency"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Profile the agency needs (cohorts feature): district as official AGS (app.regions), Land derived from it.
    municipality: Mapped[str | None] = mapped_column(String(200))
    district_ags: Mapped[str | None] = mapped_column(String(5), index=True)
    land: Mapped[str | None] = mapped_column(String(2), index=True)
    position: Mapped[str | None] = mapped_column(String(200))

    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="user")  # noqa: F821

    # The key of the login session this object was loaded for or signed in with (not stored here:
    # LoginSession keeps only its hash); Flask-Login puts get_id() into the session cookie.
    session_key = None

    def get_id(self) -> str:
        if not self.session_key:
            raise RuntimeError("start a login session (accounts.services.start_session) before login_user")
        return f"{self.id}:{self.session_key}"

    # Flask-Login's UserMixin compares get_id(), which now holds the session key: the same person
    # loaded for two sessions is still the same user.
    def __eq__(self, other):
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class PasswordResetToken(db.Model):
    """A single-use, expiring token; only its SHA-256 is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One signed-in browser. The cookie carries a random key, the table its SHA-256: signing out
    deletes this row only, "überall abmelden", a new password or a deactivated account delete all
    rows of the user, and a copied cookie opens nothing afterwards."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# What the login cache (accounts.login_cache) hears, on PostgreSQL: every row of users and
# login_sessions updated or deleted notifies its user id, a TRUNCATE "*". Created with the tables;
# migration 9b1f0c3e7d25 creates the same in a migrated database.
LOGIN_TRIGGERS = """
CREATE OR REPLACE FUNCTION scc_login_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('scc_login', '*');
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('scc_login', OLD.id::text);
    ELSE
        PERFORM pg_notify('scc_login', OLD.user_id::text);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_login_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION scc_login_changed();
CREATE TRIGGER users_login_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION scc_login_changed();
CREATE TRIGGER login_sessions_changed AFTER UPDATE OR DELETE ON login_sessions
    FOR EACH ROW EXECUTE FUNCTION scc_login_changed();
CREATE TRIGGER login_sessions_truncated AFTER TRUNCATE ON login_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION scc_login_changed();
"""
event.listen(LoginSession.__table__, "after_create", DDL(LOGIN_TRIGGERS).execute_if(dialect="postgresql"))
