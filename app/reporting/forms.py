from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from app.accounts.forms import PlaceholderSelect


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class FilterForm(FlaskForm):
    """The dashboard's filters, sent with GET (bookmarkable, no CSRF token needed: nothing changes)."""

    class Meta:
        csrf = False

    von = DateField(_l("Von"), validators=[Optional()])
    bis = DateField(_l("Bis"), validators=[Optional()])
    land = SelectField(_l("Land"), validators=[Optional()], widget=PlaceholderSelect(_l("– alle –")), validate_choice=False)
    kreis = SelectField(_l("Kreis"), validators=[Optional()], widget=PlaceholderSelect(_l("– alle –")), validate_choice=False)
    kurs = SelectField(_l("Kurs"), coerce=_optional_int, validators=[Optional()], widget=PlaceholderSelect(_l("– alle –")),
                       validate_choice=False)
    kohorte = SelectField(_l("Kohorte"), coerce=_optional_int, validators=[Optional()], widget=PlaceholderSelect(_l("– alle –")),
                          validate_choice=False)
    raster = SelectField(_l("Zeitraster"), choices=[SelectChoice("month", _l("Monat")), SelectChoice("quarter", _l("Quartal")), SelectChoice("year", _l("Jahr"))],
                         default="month", validators=[Optional()])

    def validate_bis(self, field):
        if field.data and self.von.data and field.data < self.von.data:
            raise ValidationError(_l("Das Ende liegt vor dem Beginn."))
