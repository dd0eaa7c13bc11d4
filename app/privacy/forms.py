from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.validators import SingleLine


class ExportForm(FlaskForm):
    """The download button: only the CSRF token (an export is a POST so no other site can start one)."""


class DeleteOwnAccountForm(FlaskForm):
    password = PasswordField(
        _l("Ihr Passwort"), validators=[DataRequired(), Length(max=200)],
        description=_l("Zur Bestätigung, dass Sie es selbst sind."), render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("Ich habe verstanden, dass mein Konto und meine Abgaben endgültig gelöscht werden."),
        validators=[DataRequired(_l("Bitte bestätigen Sie die Löschung."))],
    )


class AdminDeleteAccountForm(FlaskForm):
    email = StringField(
        _l("E-Mail-Adresse des Kontos"), validators=[SingleLine(), DataRequired(), Length(max=254)],
        description=_l("Zur Bestätigung die E-Mail-Adresse des Kontos noch einmal eingeben."),
        render_kw={"autocomplete": "off"},
    )
