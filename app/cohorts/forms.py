from __future__ import annotations

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.forms import (PlaceholderSelect, ProfileForm, confirm_password_field, district_choices, land_choices,
                                new_password_field)
from app.validators import SingleLine


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[SingleLine(), DataRequired(), Length(max=200)],
                       description=_l("z. B. „Brandenburg 2027-1“"))
    course_id = SelectField(_l("Kurs"), coerce=int)
    land = SelectField(_l("Land"), choices=land_choices(), validators=[DataRequired()])
    district_ags = SelectField(_l("Kreis (optional)"), validators=[Optional()], widget=PlaceholderSelect(_l("– ganzes Land –")))
    starts_on = DateField(_l("Beginn"), validators=[DataRequired()])
    ends_on = DateField(_l("Ende"), validators=[Optional()])
    seats = IntegerField(_l("Plätze"), default=30, validators=[DataRequired(), NumberRange(min=1, max=500)])
    trainer_ids = CheckboxList(_l("Trainer:innen"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Speichern"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_ags.choices = district_choices()


class InviteForm(FlaskForm):
    emails = TextAreaField(
        _l("E-Mail-Adressen"), validators=[Optional(), Length(max=100_000)],
        description=_l("Eine Adresse pro Zeile oder durch Komma getrennt; „Name <adresse@kommune.de>“ übernimmt den Namen."),
        render_kw={"rows": 6},
    )
    file = FileField(
        _l("oder Datei (CSV oder XLSX)"),
        validators=[FileAllowed(["csv", "xlsx", "txt"], _l("Bitte laden Sie eine CSV- oder XLSX-Datei hoch."))],
        description=_l("Spalten: Name, E-Mail, Kommune, Kreis (AGS oder Name), Position. Die erste Zeile enthält die Spaltennamen."),
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    submit = SubmitField(_l("Vorschau anzeigen"))


class ConfirmImportForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Alle einladen"))


class ActionForm(FlaskForm):
    """A button that changes something (withdraw, re-activate, re-send): CSRF only."""


class ApprovalForm(FlaskForm):
    """A trainer approves a learner's completion (courses with `completion.trainer_approval`);
    the note's length is checked by the service, the page renders one form per learner."""

    note = TextAreaField(_l("Anmerkung (optional)"))


class MoveForm(FlaskForm):
    target_id = SelectField(_l("Zielkohorte"), coerce=int)
    submit = SubmitField(_l("Verschieben"))


class ReminderForm(FlaskForm):
    enrolment_ids = CheckboxList(_l("Empfänger:innen"), coerce=int,
                                 validators=[DataRequired(_l("Bitte wählen Sie mindestens eine Person aus."))])
    subject = StringField(_l("Betreff"), validators=[SingleLine(), DataRequired(), Length(max=200)])
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 8},
                         description=_l("Anrede und Link zum Lernstand werden automatisch ergänzt."))
    submit = SubmitField(_l("Erinnerung senden"))


class AcceptInvitationForm(ProfileForm):
    password = new_password_field(_l("Passwort"))
    confirm = confirm_password_field()
    submit = SubmitField(_l("Konto einrichten"))


def release_form(modules, defaults: dict, current: dict, locks_on: bool):
    """A form with one date field per module, named m<id>; empty means "default date"."""

    class ReleaseForm(FlaskForm):
        release_locks = BooleanField(
            _l("Module erst ab ihrem Öffnungsdatum freischalten"), default=locks_on,
            description=_l("Ohne Häkchen ist der Zeitplan eine Empfehlung: alle Module sind sofort offen, Fristen zählen trotzdem ab dem Öffnungsdatum."),
        )
        submit = SubmitField(_l("Zeitplan speichern"))

    for module in modules:
        setattr(ReleaseForm, f"m{module.id}", DateField(
            f"{module.position}. {module.title}", validators=[Optional()], default=current.get(module.id),
            description=_l("Standard: %(date)s", date=format_date(defaults[module.id])),
        ))
    return ReleaseForm()
