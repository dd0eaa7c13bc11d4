"""Tables as files: XLSX (openpyxl: bold frozen header, autofilter, number formats, a sheet with
source, filters and licence) and CSV (UTF-8 with BOM and semicolons, so German Excel shows umlauts
and columns). Small groups stay suppressed ("< 3") in both."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from app.reporting.figures import Suppressed
from app.reporting.tables import Table

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_FORMATS = {"int": "#,##0", "decimal": "#,##0.0", "percent": "0.0%", "date": "DD.MM.YYYY"}
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe(value):
    """Text a spreadsheet would run as a formula ("=HYPERLINK(…)") is written as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Suppressed):
        return str(value)
    if kind == "decimal":
        return f"{value:.1f}".replace(".", ",")
    if kind == "percent":
        return f"{value * 100:.1f}".replace(".", ",")
    if kind == "date" and isinstance(value, (date, datetime)):
        return value.strftime("%d.%m.%Y")
    return str(_safe(value) if isinstance(value, str) else value)


def _header(column) -> str:
    return f"{column.label} (%)" if column.kind == "percent" else column.label


def _counter(tables: list[Table], progress):
    """Calls progress(rows written, rows in all tables) per row; nothing without a callback."""
    total, written = sum(len(t.rows) for t in tables), 0

    def count() -> None:
        nonlocal written
        written += 1
        if progress is not None:
            progress(written, total)

    return count


def to_csv(tables: list[Table], source: list[tuple[str, str]], progress=None) -> bytes:
    """One block per table (its title first when there are several), then the source lines."""
    count = _counter(tables, progress)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([table.title])
        writer.writerow([_header(c) for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row, table.columns)])
            count()
    writer.writerow([])
    for label, text in source:
        writer.writerow([_safe(label), _safe(text)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Tabelle"
    name, number = base, 2
    while name in taken:
        suffix = f" ({number})"
        name, number = base[:31 - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def to_xlsx(tables: list[Table], source: list[tuple[str, str]], progress=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    count = _counter(tables, progress)
    workbook = Workbook()
    taken: set[str] = set()
    for index, table in enumerate(tables):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = _sheet_title(table.title, taken)
        sheet.append([_header(c) if c.kind != "percent" else c.label for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([str(v) if isinstance(v, Suppressed) else _safe(v) for v in row])
            count()
        for column_index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(column_index)
            number_format = XLSX_FORMATS.get(column.kind)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column_index, max_col=column_index):
                if number_format and not isinstance(cell.value, str):
                    cell.number_format = number_format
                elif column.numeric:  # "< 3" stays right-aligned with the numbers
                    cell.alignment = Alignment(horizontal="right")
                elif column.kind == "code":
                    cell.number_format = "@"
            values = [len(column.label)] + [len(str(r[column_index - 1])) for r in table.rows[:500] if r[column_index - 1] is not None]
            sheet.column_dimensions[letter].width = min(max(max(values) + 2, 8), 60)
        sheet.freeze_panes = "A2"
        if table.rows:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    info = workbook.create_sheet(_sheet_title("Quelle", taken))
    for label, text in source:
        info.append([label, text])
    for cell in info["A"]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
    for cell in info["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
