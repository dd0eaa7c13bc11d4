from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, SubmitField
from wtforms.validators import DataRequired, Length

from app.accounts.forms import land_choices
from app.cohorts.forms import CheckboxList


def role_choices():
    return [SelectChoice("learner", _l("Lernende:r")), SelectChoice("trainer", _l("Trainer:in")), SelectChoice("agency", _l("Agentur")),
            SelectChoice("admin", _l("Administration"))]


class RoleForm(FlaskForm):
    # No DataRequired: the select always holds one of the roles (the current one to begin with) and
    # rejects anything else itself; "required" on a select without an empty first option is invalid HTML.
    role = SelectField(_l("Rolle"), choices=role_choices())
    submit_role = SubmitField(_l("Rolle ändern"))


class ActiveForm(FlaskForm):
    """Activate or deactivate: the button's value says which."""

    submit_active = SubmitField(_l("Konto deaktivieren"))


class LandsForm(FlaskForm):
    lands = CheckboxList(_l("Länder, deren Zahlen diese Person sieht"), choices=land_choices())
    submit_lands = SubmitField(_l("Länder speichern"))


class SettingsForm(FlaskForm):
    register_shows_names = BooleanField(
        _l("Namen im Zertifikatsregister anzeigen"),
        description=_l("Gilt für die Seite, die Exporte und die API der Agentur. Aus: nur Nummer, Datum, Kurs, Kommune und Kreis."),
    )
    submit = SubmitField(_l("Einstellungen speichern"))


class CourseImportForm(FlaskForm):
    validate_only = SubmitField(_l("Nur prüfen"))
    run_import = SubmitField(_l("Prüfen und importieren"))


class RetryJobForm(FlaskForm):
    """One per failed job; the job's id in the failed list rides along."""

    job_id = HiddenField(validators=[DataRequired(), Length(max=64)])
    submit_retry = SubmitField(_l("Erneut versuchen"))
