from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.assignments.models import Decision

MAX_TEXT_CHARS = 100_000


class SubmissionForm(FlaskForm):
    text = TextAreaField(
        _l("Ihr Text"), validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
        description=_l("Sie können Markdown verwenden: **fett**, *kursiv*, Listen mit „-“, Überschriften mit „##“. HTML wird nicht ausgeführt."),
    )
    files = MultipleFileField(_l("Dateien hinzufügen"))


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, changes nothing

    cohort = SelectField(_l("Kohorte"), coerce=str, validators=[Optional()])
    module = SelectField(_l("Modul"), coerce=str, validators=[Optional()])
    status = SelectField(_l("Status"), coerce=str, validators=[Optional()])


class GradingForm(FlaskForm):
    version_id = HiddenField()
    lock_version = HiddenField()
    comment = TextAreaField(_l("Rückmeldung an die Lernende bzw. den Lernenden"), validators=[Optional(), Length(max=20_000)])
    decision = RadioField(
        _l("Entscheidung"),
        choices=[SelectChoice(Decision.PASSED.value, _l("bestanden")),
                 SelectChoice(Decision.REVISION_REQUESTED.value, _l("Überarbeitung erbeten")),
                 SelectChoice(Decision.FAILED.value, _l("nicht bestanden"))],
        validators=[InputRequired(message=_l("Bitte wählen Sie eine Entscheidung."))],
    )

    def rubric_fields(self):
        return [field for name, field in self._fields.items() if name.startswith("level_")]

    def chosen_levels(self) -> dict[str, int]:
        return {field.name[len("level_"):]: int(field.data) for field in self.rubric_fields() if field.data not in (None, "")}


def grading_form_class(rubric: list[dict]) -> type[GradingForm]:
    """A GradingForm with one radio group per rubric criterion (named level_<criterion id>)."""
    attributes = {}
    for criterion in rubric:
        attributes[f"level_{criterion['id']}"] = RadioField(
            criterion["criterion"],
            choices=[SelectChoice(str(i), level["label"]) for i, level in enumerate(criterion["levels"])],
            validators=[InputRequired(message=_l("Bitte wählen Sie eine Stufe."))],
        )
    return type("RubricGradingForm", (GradingForm,), attributes)
