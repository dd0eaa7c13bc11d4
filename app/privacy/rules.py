"""Pure rules of the privacy feature (no Flask, no database): what an erased account and an
anonymised certificate look like, and how files are named inside the export."""
from __future__ import annotations

import re

# Stored in the database (not UI text, so not translated): what is left of an erased person.
ERASED_NAME = "Gelöschtes Konto"
# The name on an issued certificate whose holder deleted their account. The verify page shows it
# instead of the name; `name_erased` lets a template show a translated text instead.
CERTIFICATE_NAME_PLACEHOLDER = "Name auf Wunsch gelöscht"

_PLACEHOLDER = re.compile(r"^geloescht-\d+-[0-9a-f]{8,}$")


def placeholder_email(user_id: int, random_hex: str) -> str:
    """A unique value for the e-mail column that is not an address (no "@"), so nothing can ever
    be sent to it and nobody can register or reset a password with it."""
    return f"geloescht-{user_id}-{random_hex}"


def is_erased_email(email: str | None) -> bool:
    return bool(email) and bool(_PLACEHOLDER.match(email))


def anonymised_certificate_data(data: dict) -> dict:
    """The snapshot with the holder's name replaced; everything the verify page needs to say
    "valid" (number, course, dates) stays."""
    result = dict(data)
    result["name"] = CERTIFICATE_NAME_PLACEHOLDER
    result["name_erased"] = True
    return result


def safe_zip_name(name: str, fallback: str = "datei") -> str:
    """A file name for inside the export ZIP: no folders, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>:|?*').strip(" .")
    return (name or fallback)[-150:]
