from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, IntegerField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField,
                     TimeField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.sessions.attendance import ABSENT, EXCUSED, PRESENT
from app.validators import SingleLine


def mode_choices():
    return [SelectChoice("online", _l("online (Videokonferenz)")), SelectChoice("on_site", _l("vor Ort"))]


class SessionForm(FlaskForm):
    title = StringField(_l("Titel"), validators=[SingleLine(), DataRequired(), Length(max=200)],
                        description=_l("z. B. „Workshop 3: Datenstrategie“"))
    day = DateField(_l("Datum"), validators=[DataRequired()])
    start_time = TimeField(_l("Beginn (Uhrzeit in Deutschland)"), validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Dauer in Minuten"), default=240,
                                    validators=[DataRequired(), NumberRange(min=15, max=720)])
    mode = RadioField(_l("Format"), choices=mode_choices(), default="online", validators=[DataRequired()])
    location = StringField(
        _l("Link zur Videokonferenz oder Adresse"), validators=[SingleLine(), DataRequired(), Length(max=500)],
        description=_l("Online: der vollständige Link (https://…). Vor Ort: Straße, Ort, Raum."),
    )
    module_id = SelectField(_l("Modul"), coerce=int, validators=[Optional()])
    materials = TextAreaField(
        _l("Material und Vorbereitung (Markdown, optional)"), validators=[Optional(), Length(max=20_000)],
        render_kw={"rows": 8, "class": "markdown-editor"},
    )
    submit = SubmitField(_l("Termin speichern"))

    def validate_location(self, field):
        value = (field.data or "").strip()
        if self.mode.data == "online" and not value.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Bitte geben Sie den vollständigen Link an, beginnend mit https://."))


def status_choices():
    return [SelectChoice(PRESENT, _l("anwesend")), SelectChoice(EXCUSED, _l("entschuldigt")), SelectChoice(ABSENT, _l("abwesend"))]


def attendance_form(enrolments, current: dict[int, str]):
    """One radio group per learner, named e<enrolment id>; an empty group is left unrecorded."""

    class AttendanceForm(FlaskForm):
        submit = SubmitField(_l("Anwesenheit speichern"))
        all_present = SubmitField(_l("Alle noch nicht Erfassten als anwesend speichern"))

    for enrolment in enrolments:
        setattr(AttendanceForm, f"e{enrolment.id}", RadioField(
            enrolment.user.name, choices=status_choices(), default=current.get(enrolment.id), validators=[Optional()],
        ))
    return AttendanceForm()


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""
