"""The agency's exports through the queue: the register as XLSX and a table as CSV, asked for on
a confirmation page (POST), prepared, downloaded and read back; scopes checked at download."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.admin.services import set_agency_laender
from app.audit.models import AuditEvent
from tests.exports.conftest import export_id_of, fetch_ready_file
from tests.reporting.conftest import havel_group


def test_register_xlsx_is_confirmed_prepared_and_downloaded(browser, db, make, world, queued):
    havel_group(db, make, world)
    browser.login(world.agency_12)
    confirm = browser.get("/berichte/register.xlsx")
    assert confirm.status_code == 200 and confirm.mimetype == "text/html"
    page = confirm.get_data(as_text=True)
    assert "Datei erstellen" in page and 'method="post"' in page
    assert browser.post("/berichte/register.xlsx", csrf=False).status_code == 400
    export_id = export_id_of(browser.post("/berichte/register.xlsx"))
    response = fetch_ready_file(browser, export_id)
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Nummer", "Ausgestellt am"]
    lands = {row[header.index("Land")].value for row in sheet.iter_rows(min_row=2)}
    assert lands == {"Brandenburg"}  # the scope: nothing of Bayern
    assert sheet.max_row - 1 == 4  # the listable Havel group
    assert book.worksheets[-1].title == "Quelle"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data_exported",
                                                      AuditEvent.actor_id == world.agency_12.id)) is not None


def test_table_csv_keeps_the_filters_of_the_page(browser, db, world, queued):
    browser.login(world.admin)
    export_id = export_id_of(browser.post("/berichte/tabelle/laender.csv?land=12"))
    response = fetch_ready_file(browser, export_id)
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Land", "Einwohner"]
    flat = " ".join(" ".join(row) for row in rows)
    assert "Brandenburg" in flat and "Bayern" not in flat and "Land: Brandenburg" in flat


def test_another_lands_agency_user_cannot_have_it_and_a_lost_land_blocks_the_download(browser, login_as, db, world, queued):
    browser.login(world.agency_12)
    export_id = export_id_of(browser.post("/berichte/tabelle/kreise.xlsx"))
    other = login_as(world.agency_09)
    assert other.get(f"/meine-downloads/{export_id}").status_code == 404
    assert other.get(f"/meine-downloads/{export_id}/datei").status_code == 404
    assert browser.get(f"/meine-downloads/{export_id}/datei").status_code == 200
    set_agency_laender(world.agency_12, ["09"])  # Brandenburg taken from this agency user
    db.session.commit()
    assert browser.get(f"/meine-downloads/{export_id}/datei").status_code == 403


def test_small_exports_stay_immediate(browser, world):
    """Below EXPORT_IMMEDIATE_ROWS one click gives the file, as before."""
    browser.login(world.agency_12)
    response = browser.get("/berichte/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
