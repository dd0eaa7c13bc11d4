from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.validators import SingleLine


class TokenForm(FlaskForm):
    name = StringField(_l("Name des Tokens"), validators=[SingleLine(), DataRequired(), Length(max=100)],
                       description=_l("Wofür Sie das Token verwenden, z. B. „Landesstatistik-Export“."))
    submit = SubmitField(_l("Token erstellen"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Widerrufen"))
