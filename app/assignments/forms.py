from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, MultipleFileField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.assignments.models import Decision

MAX_TEXT_CHARS = 100_000


class SubmissionForm(FlaskForm):
    text = TextAreaField(
        _l("Ihr Text"), validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
        description=_l("Sie können Markdown verwenden: **fett**, *kursiv*, Listen mit „-“, Überschriften mit „##“. HTML wird nicht ausgeführt."),
    )
    files = MultipleFileField(_l("Dateien hinzufügen"))


class FilterSelect:
    """One <select> of the grading queue's filter — a GET form that changes nothing, so it has no
    CSRF token and is never validated: the view reads request.args itself. It offers what
    macros.field reads (label(), id, description, errors; calling it writes the element) and writes
    the HTML WTForms' SelectField wrote, at a fraction of the cost: the three fields through WTForms
    were a sixth of the queue page (issue 17)."""

    description = ""
    errors = ()

    def __init__(self, name: str, label: str, choices: list[tuple[str, str]], selected: str | None):
        self.id = self.name = name
        self.text, self.choices, self.selected = label, choices, selected

    def label(self) -> Markup:
        return Markup('<label for="%s">%s</label>') % (self.id, self.text)

    def __call__(self) -> Markup:
        options = "".join(
            f'<option {"selected " if value == self.selected else ""}value="{escape(value)}">{escape(text or value)}</option>'
            for value, text in self.choices
        )
        return Markup(f'<select id="{escape(self.id)}" name="{escape(self.name)}">{options}</select>')

    def field(self) -> Markup:
        """What macros.field writes for this select (it has no description and no errors): the queue
        page writes its three fields without the macro — its call, its `set`s and the template
        import were 7 % of the page (issue 17)."""
        return Markup(f'\n<div class="field">\n  <label for="{escape(self.id)}">{escape(self.text)}</label>\n  \n  \n  \n  \n  {self()}\n  \n</div>\n')


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
