"""Exports of every table: XLSX readable with openpyxl (headers, number formats, source and
licence), CSV in UTF-8 with BOM; both scoped and suppressed like the pages, and audited."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent

TABLES = ("laender", "kreise", "kommunen", "kohorten", "zeitraum", "abdeckung")


def workbook(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("name", TABLES)
def test_every_table_exports_as_xlsx_and_csv_within_the_scope(browser, world, name):
    browser.login(world.agency_12)
    book = workbook(browser.get(f"/berichte/tabelle/{name}.xlsx"))
    cells = " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "Bayern" not in cells and "Weißwurstheim" not in cells and "09162" not in cells
    assert book.worksheets[-1].title == "Quelle"
    text = csv_rows(browser.get(f"/berichte/tabelle/{name}.csv"))
    flat = " ".join(" ".join(row) for row in text)
    assert "Bayern" not in flat and "Weißwurstheim" not in flat


def test_xlsx_has_headers_number_formats_and_attribution(browser, world):
    browser.login(world.admin)
    book = workbook(browser.get("/berichte/tabelle/laender.xlsx"))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Land", "Einwohner", "Eingeschrieben", "Aktiv"]
    assert sheet[1][0].font.bold and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    brandenburg = rows["Brandenburg"]
    assert isinstance(brandenburg[1].value, int) and brandenburg[1].number_format == "#,##0"
    rate = brandenburg[header.index("Abschlussquote")]
    assert rate.value == pytest.approx(4 / 6) and rate.number_format == "0.0%"
    assert brandenburg[header.index("Zertifizierte je 100.000 Einwohner")].number_format == "#,##0.0"
    source = {row[0].value: row[1].value for row in book["Quelle"].iter_rows()}
    assert "Statistisches Bundesamt" in source["Kreisdaten"] and "CC BY 4.0" in source["Kreisdaten"]
    assert "„•“" in source["Hinweis"] and "weniger als 3 Personen" in source["Hinweis"]


def test_suppressed_cells_are_text_in_both_formats(browser, world):
    browser.login(world.agency_12)
    book = workbook(browser.get("/berichte/tabelle/kommunen.xlsx"))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    cottbus = next(row for row in sheet.iter_rows(min_row=2) if row[3].value == "Cottbus/Chóśebuz")
    assert cottbus[header.index("Zertifiziert")].value == "•"
    rows = csv_rows(browser.get("/berichte/tabelle/kommunen.csv"))
    assert rows[0][:4] == ["Land", "AGS", "Kreis", "Kommune"]
    cottbus = next(row for row in rows if len(row) > 3 and row[3] == "Cottbus/Chóśebuz")
    assert cottbus[rows[0].index("Zertifiziert")] == "•"
    assert cottbus[rows[0].index("Abschlussquote (%)")] == "•"


def test_csv_keeps_umlauts_and_german_decimals(browser, world):
    browser.login(world.agency_12)
    rows = csv_rows(browser.get("/berichte/tabelle/laender.csv"))
    brandenburg = next(row for row in rows if row and row[0] == "Brandenburg")
    assert brandenburg[rows[0].index("Abschlussquote (%)")] == "66,7"
    assert any("Statistisches Bundesamt" in " ".join(row) for row in rows)


def test_register_export_respects_the_name_setting(browser, world, db, make):
    from app.admin.services import set_setting
    from tests.reporting.conftest import havel_group

    havel_group(db, make, world)
    browser.login(world.agency_12)
    sheet = workbook(browser.get("/berichte/register.xlsx")).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Nummer", "Ausgestellt am", "Status"] and "Name" not in header
    assert sheet.max_row == 1 + 4  # the four of Brandenburg an der Havel; Potsdam and Cottbus are hidden
    assert sheet["B2"].number_format == "DD.MM.YYYY"
    set_setting("register_shows_names", "1", world.admin)
    db.session.commit()
    rows = csv_rows(browser.get("/berichte/register.csv"))
    assert rows[0][1] == "Name" and any(row[1:2] == ["Hanna Havel"] for row in rows)
    assert not any(row[1:2] == ["Jürgen Müßig"] for row in rows)  # Cottbus, a group of one


def test_exports_are_audited(browser, world, db):
    browser.login(world.agency_12)
    browser.get("/berichte/tabelle/kreise.csv?von=2020-01-01")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data_exported")).all()[-1]
    assert event.actor_id == world.agency_12.id and event.object_id == "kreise"
    assert event.detail["format"] == "csv" and "2020" in event.detail["filters"]


def test_a_value_that_looks_like_a_formula_is_written_as_text(browser, world, db, make):
    from tests.reporting.conftest import learner

    learner(db, make, world.brandenburg, "12054", "=HYPERLINK(\"http://evil\")")
    db.session.commit()
    browser.login(world.agency_12)
    rows = csv_rows(browser.get("/berichte/tabelle/kommunen.csv"))
    assert any(row[3].startswith("'=HYPERLINK") for row in rows if len(row) > 3)
