"""Single sign-on: who a verified OpenID Connect identity is here. Services flush, never commit.

Nobody becomes a user by signing on: the identity is linked to an existing account (found by the
provider's *verified* email on the first sign-on, by issuer and subject afterwards). Roles are
never taken from claims — the account keeps the role it has here."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.accounts.services import normalise_email
from app.cohorts.services import accept_invitations_by_sign_on
from app.errors import DomainError
from app.extensions import db
from app.sso.models import OidcIdentity


class NotAssigned(DomainError):
    """A correct sign-on by a person who has no account (and no invitation) here."""


def resolve_identity(issuer: str, claims: dict) -> tuple[User, bool]:
    """The user for these verified ID-token claims and whether the link was made just now.
    Raises NotAssigned when the person has no account here, DomainError for an unusable identity."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255 or len(issuer) > 255:
        raise DomainError(_("Der Anmeldedienst hat keine gültige Kennung übermittelt."))
    identity = db.session.scalar(select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject))
    linked_now = False
    if identity is None:
        email = claims.get("email")
        if not isinstance(email, str) or not email.strip() or claims.get("email_verified") is not True:
            raise NotAssigned(_("Ihr Dienstkonto hat keine bestätigte E-Mail-Adresse übermittelt. Bitte melden Sie sich mit Ihrem Passwort an oder wenden Sie sich an Ihre Trainerin oder Ihren Trainer."))
        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None:
            raise NotAssigned(_("Ihr Konto ist noch keinem Kurs zugeordnet. Sobald Sie zu einem Kurs eingeladen sind, können Sie sich hier mit Ihrem Dienstkonto anmelden."))
        if db.session.scalar(select(OidcIdentity.id).where(OidcIdentity.user_id == user.id, OidcIdentity.issuer == issuer)):
            # the account is already linked to another person at this provider
            raise DomainError(_("Dieses Konto ist bereits mit einem anderen Dienstkonto verbunden. Bitte wenden Sie sich an die Administration."))
        identity = OidcIdentity(user=user, issuer=issuer, subject=subject)
        db.session.add(identity)
        linked_now = True
    user = identity.user
    if not user.active:
        raise DomainError(_("Ihr Konto ist deaktiviert. Bitte wenden Sie sich an die Administration."))
    accept_invitations_by_sign_on(user)  # also invitations to a later cohort
    identity.last_login_at = clock.now()
    db.session.flush()
    return user, linked_now
