"""Mail to a person, in their language: the one way features write a mail to a user.

    mail_user(user, "mail/password_reset.txt", lazy_gettext("Ihr Link …"), link=link, hours=hours)

Subject and body are rendered in the user's preferred language (`user.locale`), else the
platform's default (BABEL_DEFAULT_LOCALE, German). The subject is a lazy string (Flask-Babel's
`lazy_gettext` / `lazy_ngettext`, with its variables) or plain text someone typed, such as a
trainer's reminder. Links in the context come from app.links (BASE_URL), so this works in a
request, a CLI command or a worker alike."""
from __future__ import annotations

from typing import Protocol

from flask import current_app
from flask_babel import force_locale

from app.mail.models import OutgoingMail
from app.mail.services import queue_mail


class Recipient(Protocol):
    email: str
    locale: str | None


def mail_locale(user: Recipient) -> str:
    """The language the user's mails are written in."""
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def mail_user(user: Recipient, template: str, subject, /, *, attachments: list[dict] | None = None, **context) -> OutgoingMail:
    """Queues the mail `template` (under app/templates) to `user`, rendered with `context`; the
    template sees the recipient as `user` unless the context says otherwise.

    The template is rendered by the Jinja environment itself, without the page context
    processors: a mail never shows who happened to be logged in when it was written."""
    context.setdefault("user", user)
    with force_locale(mail_locale(user)):
        subject_text = str(subject)
        body = current_app.jinja_env.get_template(template).render(**context)
    return queue_mail(user.email, subject_text, body, attachments=attachments)
