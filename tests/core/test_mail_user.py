"""Mail to a person goes out in their language (app/mail/compose.py): English for a user who
chose English, German — the platform default — for everyone else; from a request or without one."""
from __future__ import annotations

import pytest
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.accounts.services import request_password_reset
from app.mail.compose import mail_locale, mail_user
from app.mail.models import OutgoingMail


def _mail_to(db, email: str) -> OutgoingMail:
    return db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == email)).one()


@pytest.mark.parametrize("locale", [None, "", "fr"])
def test_german_unless_the_user_chose_another_language_we_offer(app, db, make, locale):
    user = make.user("learner")
    user.locale = locale
    with app.app_context():
        assert mail_locale(user) == "de"
        request_password_reset(user.email)
    mail = _mail_to(db, user.email)
    assert mail.subject == "Ihr Link zum Zurücksetzen des Passworts"
    assert mail.body.startswith(f"Guten Tag {user.name},")
    assert "Sie haben einen Link angefordert" in mail.body


def test_english_for_a_user_who_prefers_english(app, db, make):
    user = make.user("learner")
    user.locale = "en"
    with app.app_context():  # no request: as from a CLI command or a worker
        request_password_reset(user.email)
    mail = _mail_to(db, user.email)
    assert mail.subject == "Your password reset link"
    assert mail.body.startswith(f"Dear {user.name},")
    assert "You have requested a link to set a new password:" in mail.body
    assert "Guten Tag" not in mail.body


def test_the_page_language_does_not_leak_into_a_mail(app, db, make):
    """An English-speaking trainer's click mails a German-speaking learner in German."""
    learner = make.user("learner")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        from flask_babel import force_locale, gettext

        with force_locale("en"):
            assert gettext("Ihr Link zum Zurücksetzen des Passworts") == "Your password reset link"
            mail_user(learner, "mail/password_reset.txt", lazy_gettext("Ihr Link zum Zurücksetzen des Passworts"),
                      link="https://campus.test/x", hours=2)
    mail = _mail_to(db, learner.email)
    assert mail.subject == "Ihr Link zum Zurücksetzen des Passworts"
    assert mail.body.startswith(f"Guten Tag {learner.name},")


def test_a_typed_subject_stays_as_typed(app, db, make):
    user = make.user("learner")
    user.locale = "en"
    with app.app_context():
        mail_user(user, "mail/password_reset.txt", "Bitte bis Freitag abgeben", link="https://campus.test/x", hours=2)
    mail = _mail_to(db, user.email)
    assert mail.subject == "Bitte bis Freitag abgeben"
    assert mail.body.startswith(f"Dear {user.name},")
