"""Input rules every feature shares.

Single-line fields (names, titles, subjects, places) end up in mail headers, calendar lines, CSV
cells and PDF lines; a line break there can add a header (`Bcc:`) or stop the mail queue. Browsers
never put one into an `<input>`, so only a crafted request does: it is refused with a message,
never silently changed where the person typed it. Text built for a one-line place from stored
data goes through `one_line` (e.g. every mail subject in `queue_mail`)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# C0 control characters except tab, DEL, NEL and the Unicode line and paragraph separators:
# everything str.splitlines() breaks at, plus NUL and the other controls that have no place in a
# name (PostgreSQL refuses NUL in text outright).
_CONTROLS = "\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROLS}]")
_CONTROL_RUN = re.compile(f"[ \t]*[{_CONTROLS}]+[ \t]*")


def has_control_characters(text: str | None) -> bool:
    return bool(text) and CONTROL_CHARACTERS.search(text) is not None


def one_line(text: str) -> str:
    """The text with every run of line breaks and control characters turned into one space."""
    return _CONTROL_RUN.sub(" ", text).strip() if text else text


class SingleLine:
    """WTForms validator for every single-line text field: refuses line breaks and control characters."""

    def __init__(self, message=None):
        self.message = message or _l("Bitte geben Sie dies in einer Zeile ein, ohne Zeilenumbrüche oder Steuerzeichen.")

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(self.message)
