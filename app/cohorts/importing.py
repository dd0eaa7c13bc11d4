"""Reading and checking a list of people to invite: pasted addresses, CSV or XLSX.

Pure: no Flask, no database. Problems are returned as codes (``RowError``) that the caller turns
into German messages, so this module stays testable in milliseconds. Checks that need the database
(already enrolled, seats, role of an existing account) live in ``services.preview_invitations``."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from app.regions import find_district

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
FIELDS = ("name", "email", "municipality", "district", "position")

# Header cell (case-folded, without spaces, dashes, dots, underscores) → field.
HEADER_ALIASES = {
    "name": "name", "vollername": "name", "vorundnachname": "name", "teilnehmer": "name", "teilnehmerin": "name",
    "email": "email", "emailadresse": "email", "mail": "email", "adresse": "email",
    "municipality": "municipality", "kommune": "municipality", "gemeinde": "municipality", "stadt": "municipality",
    "verwaltung": "municipality", "organisation": "municipality", "behörde": "municipality",
    "district": "district", "districtags": "district", "ags": "district", "kreis": "district", "landkreis": "district",
    "kreisags": "district", "kreisoderags": "district", "kreisags/name": "district", "kreis/ags": "district",
    "position": "position", "funktion": "position", "abteilung": "position", "stelle": "position",
    "positionabteilung": "position", "position/abteilung": "position", "fachbereich": "position",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``code`` names why, ``params`` give details."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class RowError:
    field: str  # one of FIELDS, or "row"
    code: str
    params: tuple = ()


@dataclass
class InviteeRow:
    line: int  # line in the file (1-based, header counted) or position in the pasted list
    name: str = ""
    email: str = ""
    municipality: str = ""
    district_ags: str | None = None
    district_input: str = ""
    position: str = ""
    errors: list[RowError] = field(default_factory=list)
    existing_account: bool = False  # filled in by the service

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_payload(self) -> dict:
        return {"line": self.line, "name": self.name, "email": self.email, "municipality": self.municipality,
                "district_ags": self.district_ags, "district_input": self.district_input, "position": self.position}

    @classmethod
    def from_payload(cls, data: dict) -> "InviteeRow":
        return cls(**{k: data.get(k) if k == "district_ags" else (data.get(k) or ("" if k != "line" else 0))
                      for k in ("line", "name", "email", "municipality", "district_ags", "district_input", "position")})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("encoding")


def read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((";", ",", "\t"), key=first.count) if first else ";"
    try:
        return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise ImportFileError("csv", detail=str(exc)) from exc


def read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError("xlsx", detail=type(exc).__name__) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(c) for c in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cells from an uploaded .csv or .xlsx file."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError("too_large", limit=MAX_FILE_BYTES // (1024 * 1024))
    if not data.strip():
        raise ImportFileError("empty")
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return read_xlsx(data)
    if name.endswith((".csv", ".txt")) or not name:
        return read_csv(data)
    raise ImportFileError("type")


def _header_key(cell: str) -> str:
    return re.sub(r"[\s\-_.:]", "", re.sub(r"\(.*?\)", "", cell.casefold()))


# When no alias matches exactly: a word inside the header, checked in this order
# ("E-Mail-Adresse" before "Name", "Kreis (AGS oder Name)" before "Name").
_HEADER_WORDS = (
    ("mail", "email"), ("kreis", "district"), ("ags", "district"), ("district", "district"),
    ("kommune", "municipality"), ("gemeinde", "municipality"), ("municipal", "municipality"),
    ("position", "position"), ("funktion", "position"), ("abteilung", "position"), ("name", "name"),
)


def _header_field(cell: str) -> str | None:
    key = _header_key(cell)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    folded = cell.casefold()
    return next((name for word, name in _HEADER_WORDS if word in folded), None)


def map_header(header: list[str]) -> dict[str, int] | None:
    """Field → column index if the row is a header row (it must name at least the email column)."""
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_field(cell) if cell else None
        if key and key not in mapping:
            mapping[key] = index
    return mapping if "email" in mapping else None


def rows_from_table(table: list[list[str]]) -> list[InviteeRow]:
    """Invitee rows from a table; with a header row the columns may come in any order, without one
    they must be name, email, municipality, district, position. Empty lines are skipped."""
    table = [row for row in table]
    if not table:
        raise ImportFileError("empty")
    mapping = map_header(table[0])
    start = 1
    if mapping is None:
        if len(table[0]) > 1 and "@" in table[0][1]:
            mapping = {name: index for index, name in enumerate(FIELDS)}
            start = 0
        else:
            raise ImportFileError("header")
    rows = []
    for number, cells in enumerate(table[start:], start=start + 1):
        if not any(cells):
            continue

        def get(name: str) -> str:
            index = mapping.get(name)
            return cells[index] if index is not None and index < len(cells) else ""

        rows.append(InviteeRow(line=number, name=get("name"), email=get("email"), municipality=get("municipality"),
                               district_input=get("district"), position=get("position")))
    if len(rows) > MAX_ROWS:
        raise ImportFileError("too_many", limit=MAX_ROWS)
    if not rows:
        raise ImportFileError("empty")
    return rows


_NAMED = re.compile(r"^\s*\"?([^\"<]*?)\"?\s*<([^>]+)>\s*$")


def rows_from_pasted(text: str) -> list[InviteeRow]:
    """Addresses pasted from a mail client or a spreadsheet column: one per line or separated by
    commas/semicolons; "Lena Muster <lena@example.org>" keeps the name."""
    parts = [p for p in re.split(r"[\n;,\t]+", text or "") if p.strip()]
    rows = []
    for number, part in enumerate(parts, start=1):
        match = _NAMED.match(part)
        if match:
            rows.append(InviteeRow(line=number, name=" ".join(match.group(1).split()), email=match.group(2).strip()))
        else:
            rows.append(InviteeRow(line=number, email=part.strip()))
    if len(rows) > MAX_ROWS:
        raise ImportFileError("too_many", limit=MAX_ROWS)
    if not rows:
        raise ImportFileError("empty")
    return rows


def validate_rows(rows: list[InviteeRow]) -> list[InviteeRow]:
    """Checks every row on its own and against the others (duplicates); fills in the normalised
    email and the district AGS. Returns the same rows with ``errors`` set."""
    seen: dict[str, int] = {}
    for row in rows:
        row.errors = []
        row.name = row.name.strip()
        if not row.email.strip():
            row.errors.append(RowError("email", "required"))
        else:
            try:
                row.email = validate_email(row.email.strip(), check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                row.errors.append(RowError("email", "invalid", (row.email.strip(),)))
            else:
                if row.email in seen:
                    row.errors.append(RowError("email", "duplicate", (seen[row.email],)))
                else:
                    seen[row.email] = row.line
        for name, limit in (("name", 200), ("municipality", 200), ("position", 200)):
            if len(getattr(row, name)) > limit:
                row.errors.append(RowError(name, "too_long", (limit,)))
        if row.district_input:
            found, reason = find_district(row.district_input)
            if found:
                row.district_ags = found.ags
            else:
                row.district_ags = None
                row.errors.append(RowError("district", reason or "unknown", (row.district_input,)))
    return rows
