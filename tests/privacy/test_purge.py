"""`flask --app wsgi privacy purge-tokens`: expired reset tokens and expired or used invitations
go; everything still usable stays."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import PasswordResetToken
from app.cohorts.models import Invitation
from app.db import utcnow
from app.privacy.services import purge_tokens


def _token(db, user, name: str, expires_in: timedelta, used: bool = False) -> PasswordResetToken:
    row = PasswordResetToken(user=user, token_hash=name.ljust(64, "0"), expires_at=utcnow() + expires_in,
                             used_at=utcnow() if used else None)
    db.session.add(row)
    return row


def _invitation(db, enrolment, name: str, expires_in: timedelta, used: bool = False, revoked: bool = False) -> Invitation:
    row = Invitation(enrolment=enrolment, token_hash=name.ljust(64, "0"), expires_at=utcnow() + expires_in,
                     used_at=utcnow() if used else None, revoked_at=utcnow() if revoked else None)
    db.session.add(row)
    return row


def setup_tokens(db, make):
    user = make.user()
    enrolment = make.enrolment(user=user)
    _token(db, user, "a-expired", timedelta(hours=-1))
    _token(db, user, "b-expired-used", timedelta(days=-3), used=True)
    _token(db, user, "c-valid", timedelta(hours=1))
    _token(db, user, "d-valid-used", timedelta(minutes=30), used=True)  # expires soon; goes on a later run
    _invitation(db, enrolment, "e-expired", timedelta(days=-1))
    _invitation(db, enrolment, "f-used", timedelta(days=10), used=True)
    _invitation(db, enrolment, "g-open", timedelta(days=10))
    _invitation(db, enrolment, "h-revoked-not-expired", timedelta(days=10), revoked=True)
    db.session.flush()


def remaining(db, model) -> list[str]:
    return sorted(h.rstrip("0") for h in db.session.scalars(select(model.token_hash)))


def test_purge_removes_only_expired_tokens_and_dead_invitations(db, make):
    setup_tokens(db, make)
    result = purge_tokens()
    assert (result.reset_tokens, result.invitations) == (2, 2)
    assert remaining(db, PasswordResetToken) == ["c-valid", "d-valid-used"]
    assert remaining(db, Invitation) == ["g-open", "h-revoked-not-expired"]
    assert purge_tokens() == type(result)(0, 0)  # a second run finds nothing


def test_purge_uses_the_given_time(db, make):
    setup_tokens(db, make)
    purge_tokens(now=utcnow() + timedelta(days=30))
    assert remaining(db, PasswordResetToken) == [] and remaining(db, Invitation) == []


def test_an_invitation_sent_today_survives_the_purge(db, make):
    from app.cohorts.services import invite
    from app.cohorts.importing import InviteeRow

    cohort = make.cohort()
    from flask import current_app

    with current_app.test_request_context():
        invite(cohort, [InviteeRow(line=2, name="Ina Neu", email="ina@example.net", municipality="", district_ags=None,
                                   district_input="", position="")], invited_by=None)
    [invitation] = db.session.scalars(select(Invitation)).all()
    purge_tokens()
    assert db.session.get(Invitation, invitation.id) is not None


def test_cli_command(app, db, make):
    setup_tokens(db, make)
    result = app.test_cli_runner().invoke(args=["privacy", "purge-tokens"])
    assert result.exit_code == 0, result.output
    assert "purged 2 password-reset token(s) and 2 invitation(s)" in result.output
    assert remaining(db, PasswordResetToken) == ["c-valid", "d-valid-used"]
