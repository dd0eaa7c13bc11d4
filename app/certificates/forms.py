from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.validators import SingleLine


class ActionForm(FlaskForm):
    """A button that changes something (re-send the mail): only the CSRF token."""


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Grund des Widerrufs"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("Wird im Zertifikatsregister gespeichert, nicht auf der Prüfseite gezeigt."))


class ReissueForm(FlaskForm):
    name = StringField(_l("Name auf dem Zertifikat"), validators=[SingleLine(), DataRequired(), Length(max=200)],
                       description=_l("Vorbelegt mit dem aktuellen Namen im Konto."))
    reason = TextAreaField(_l("Grund der Neuausstellung"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("Zum Beispiel: Namensänderung. Die bisherige Fassung wird als ersetzt markiert."))
