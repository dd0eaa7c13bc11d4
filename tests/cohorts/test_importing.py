"""Reading invitation lists: CSV (any Excel flavour), XLSX, pasted addresses; per-row checks (pure)."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from app.cohorts.importing import (
    ImportFileError, read_table, rows_from_pasted, rows_from_table, validate_rows,
)

CSV = (
    "Name;E-Mail;Kommune;Kreis;Position\n"
    "Jörg Müßig;joerg@beispiel-kommune.de;Fürstenwalde/Spree;Oder-Spree;Bauamt\n"
    "Anna Ölberg;ANNA@Beispiel-Kommune.de ;Potsdam;12054;Digitalisierung\n"
)


def test_csv_with_bom_semicolons_and_umlauts():
    rows = validate_rows(rows_from_table(read_table("liste.csv", ("\ufeff" + CSV).encode("utf-8"))))
    assert [r.ok for r in rows] == [True, True]
    assert rows[0].name == "Jörg Müßig" and rows[0].district_ags == "12067" and rows[0].line == 2
    assert rows[1].email == "anna@beispiel-kommune.de" and rows[1].district_ags == "12054"


def test_csv_from_old_excel_in_windows_1252_with_commas():
    data = CSV.replace(";", ",").encode("cp1252")
    rows = validate_rows(rows_from_table(read_table("liste.csv", data)))
    assert rows[0].municipality == "Fürstenwalde/Spree" and all(r.ok for r in rows)


def test_columns_in_any_order_are_found_by_their_header():
    data = "email,position,name\nlena@example.org,Kämmerei,Lena\n".encode()
    [row] = validate_rows(rows_from_table(read_table("x.csv", data)))
    assert (row.name, row.email, row.position) == ("Lena", "lena@example.org", "Kämmerei")


def test_every_broken_row_is_reported_with_its_line(tmp_path):
    data = (
        "Name;E-Mail;Kommune;Kreis;Position\n"
        "Gut;gut@example.org;Kiel;01002;\n"
        "Ohne Adresse;;Kiel;;\n"
        "Kaputt;kein-at-zeichen;Kiel;;\n"
        "Doppelt;GUT@example.org;Kiel;;\n"
        "Falscher Kreis;fk@example.org;;Atlantis;\n"
        "Unklar;u@example.org;;München;\n"
    ).encode()
    rows = validate_rows(rows_from_table(read_table("x.csv", data)))
    problems = {r.line: [(e.field, e.code) for e in r.errors] for r in rows}
    assert problems == {
        2: [], 3: [("email", "required")], 4: [("email", "invalid")], 5: [("email", "duplicate")],
        6: [("district", "unknown")], 7: [("district", "ambiguous")],
    }
    assert rows[3].errors[0].params == (2,)  # points at the first occurrence


def test_xlsx_file_on_disk(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "E-Mail", "Kommune", "Kreis (AGS oder Name)", "Position"])
    sheet.append(["Björn Weiß", "bjoern@example.org", "Cottbus", 12052, "IT"])
    sheet.append([None, None, None, None, None])  # empty lines are skipped
    sheet.append(["Petra Groß", "petra@example.org", "Gemeinde Schönefeld", "Dahme-Spreewald", None])
    path = tmp_path / "liste.xlsx"
    workbook.save(path)
    rows = validate_rows(rows_from_table(read_table(path.name, path.read_bytes())))
    assert [(r.line, r.name, r.district_ags) for r in rows] == [(2, "Björn Weiß", "12052"), (4, "Petra Groß", "12061")]
    assert all(r.ok for r in rows)


@pytest.mark.parametrize("name, data, code", [
    ("x.xlsx", b"PK\x03\x04 not really a zip", "xlsx"),
    ("x.csv", b"", "empty"),
    ("x.pdf", b"%PDF-1.4", "type"),
    ("x.csv", b"Vorname;Nachname\nA;B\n", "header"),
    ("x.csv", b"x" * (2 * 1024 * 1024 + 1), "too_large"),
])
def test_unreadable_files_say_why(name, data, code):
    with pytest.raises(ImportFileError) as info:
        rows_from_table(read_table(name, data))
    assert info.value.code == code


def test_too_many_rows():
    data = ("email\n" + "".join(f"p{i}@example.org\n" for i in range(501))).encode()
    with pytest.raises(ImportFileError) as info:
        rows_from_table(read_table("x.csv", data))
    assert info.value.code == "too_many"


def test_pasted_addresses_from_a_mail_client():
    rows = validate_rows(rows_from_pasted("Lena Muster <lena@example.org>; max@example.org,\n\n  jo@example.org  "))
    assert [(r.name, r.email) for r in rows] == [("Lena Muster", "lena@example.org"), ("", "max@example.org"), ("", "jo@example.org")]
    assert all(r.ok for r in rows)
