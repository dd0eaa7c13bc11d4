from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.discussions.rules import MAX_BODY_CHARS
from app.validators import SingleLine

MARKDOWN_HINT = _l("Markdown: **fett**, *kursiv*, Listen mit „-“, Links als [Text](https://…). HTML wird als Text angezeigt.")


class ThreadForm(FlaskForm):
    title = StringField(_l("Titel"), validators=[SingleLine(), DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Ihr Beitrag"), validators=[DataRequired(), Length(max=MAX_BODY_CHARS)],
                         description=MARKDOWN_HINT, render_kw={"rows": 8, "class": "markdown-editor"})
    submit = SubmitField(_l("Thema eröffnen"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Ihre Antwort"), validators=[DataRequired(), Length(max=MAX_BODY_CHARS)],
                         description=MARKDOWN_HINT, render_kw={"rows": 6, "class": "markdown-editor"})
    submit = SubmitField(_l("Antworten"))


class EditForm(FlaskForm):
    body = TextAreaField(_l("Beitrag"), validators=[DataRequired(), Length(max=MAX_BODY_CHARS)],
                         description=MARKDOWN_HINT, render_kw={"rows": 8, "class": "markdown-editor"})
    submit = SubmitField(_l("Änderung speichern"))


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("Warum melden Sie diesen Beitrag? (optional)"), validators=[Optional(), Length(max=2000)],
                           render_kw={"rows": 4})
    submit = SubmitField(_l("Beitrag melden"))


class SettingsForm(FlaskForm):
    reply_mails = BooleanField(_l("E-Mail bei neuen Antworten in Themen, in denen ich geschrieben habe"))
    submit = SubmitField(_l("Speichern"))


class ActionForm(FlaskForm):
    """A moderation button: CSRF only."""
