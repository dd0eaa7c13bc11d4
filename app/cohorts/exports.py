"""Spreadsheet files from a plain table (list of rows, header first): CSV for Excel and
LibreOffice (UTF-8 with BOM, semicolons as German Excel expects) and XLSX (openpyxl)."""
from __future__ import annotations

import csv
import io

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Text a spreadsheet would run as a formula ("=HYPERLINK(…)") is written as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _report(progress, number: int, rows: list[list]) -> None:
    """progress(data rows written, data rows), the header not counted."""
    if progress is not None and number:
        progress(number, len(rows) - 1)


def to_csv(rows: list[list], progress=None) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    for number, row in enumerate(rows):
        writer.writerow(["" if v is None else _safe(v) for v in row])
        _report(progress, number, rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list], sheet_title: str = "Matrix", progress=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "".join(c for c in sheet_title if c not in '[]:*?/\\')[:31] or "Matrix"
    for number, row in enumerate(rows):
        sheet.append([_safe(v) for v in row])
        _report(progress, number, rows)
    if rows:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B2"
        for index, _ in enumerate(rows[0], start=1):
            width = max(len(str(r[index - 1])) if index - 1 < len(r) and r[index - 1] is not None else 0 for r in rows)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
