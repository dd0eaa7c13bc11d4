"""What single sign-on does when privacy acts (app.events): the link to the provider's account is
personal data — exported with the person's data, erased with the account. Privacy does not know
this package (docs/architecture.md); `subscribe()` is called from sso.init_app."""
from __future__ import annotations

from sqlalchemy import delete, select

from app import events
from app.extensions import db
from app.sso.models import OidcIdentity


def subscribe() -> None:
    """Connects the receivers below (connecting twice changes nothing: several apps in one process)."""
    events.account_erasing.connect(erase_personal_data)
    events.account_exporting.connect(export_personal_data)


def erase_personal_data(user, **_kwargs) -> None:
    db.session.execute(delete(OidcIdentity).where(OidcIdentity.user_id == user.id))


def export_personal_data(user, **_kwargs) -> dict:
    return {"single_sign_on": [
        {"issuer": row.issuer, "subject": row.subject, "linked_at": row.created_at.isoformat(),
         "last_login_at": row.last_login_at.isoformat() if row.last_login_at else None}
        for row in db.session.scalars(select(OidcIdentity).where(OidcIdentity.user_id == user.id).order_by(OidcIdentity.id))
    ]}
