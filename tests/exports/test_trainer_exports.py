"""A trainer's exports through the queue: the progress matrix as XLSX and CSV (with the page's
filters) and the cohort's certificates as a ZIP — asked for, prepared, downloaded and read back;
another trainer never gets them, a trainer who lost the cohort no longer does."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from app.exports.models import Export, ExportStatus
from tests.exports.conftest import export_id_of, fetch_ready_file
from tests.reporting.conftest import complete_course


@pytest.fixture()
def cohort(db, make):
    trainer = make.user("trainer", name="Tina Trainerin")
    cohort = make.cohort(trainers=[trainer], name="Große Kohorte")
    for name in ("Anna Arndt", "Bernd Bauer", "Clara Claßen"):
        make.enrolment(user=make.user("learner", name=name), cohort=cohort)
    db.session.commit()
    return cohort


def test_matrix_xlsx_is_prepared_with_progress_and_read_back(browser, db, cohort, queued):
    trainer = cohort.trainers[0]
    browser.login(trainer)
    confirm = browser.get(f"/kohorten/{cohort.id}/matrix.xlsx?sort=name&order=desc")
    assert confirm.status_code == 200 and "Datei erstellen" in confirm.get_data(as_text=True)
    assert "Die Datei enthält etwa 3 Zeilen." in confirm.get_data(as_text=True)
    export_id = export_id_of(browser.post(f"/kohorten/{cohort.id}/matrix.xlsx?sort=name&order=desc"))
    export = db.session.get(Export, export_id)
    assert export.status == ExportStatus.READY and (export.done, export.total) == (3, 3)
    assert export.params == {"cohort_id": cohort.id, "fmt": "xlsx", "sort": "name", "order": "desc"}
    response = fetch_ready_file(browser, export_id)
    assert response.headers["Content-Disposition"].startswith("attachment") and "fortschritt-groe-kohorte-" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.title == "Große Kohorte"
    assert [c.value for c in sheet[1]][:2] == ["Name", "E-Mail"]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Clara Claßen", "Bernd Bauer", "Anna Arndt"]


def test_matrix_csv_keeps_the_status_filter(browser, db, cohort, queued):
    from app.cohorts.models import EnrolmentStatus

    for enrolment in cohort.enrolments[1:]:
        enrolment.status = EnrolmentStatus.INVITED
    cohort.enrolments[0].status = EnrolmentStatus.ACTIVE
    db.session.commit()
    browser.login(cohort.trainers[0])
    export_id = export_id_of(browser.post(f"/kohorten/{cohort.id}/matrix.csv?status=active"))
    response = fetch_ready_file(browser, export_id)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Name" and [row[0] for row in rows[1:]] == [cohort.enrolments[0].user.name]


def test_another_trainer_never_and_a_trainer_who_lost_the_cohort_no_longer_downloads(browser, login_as, db, make, cohort, queued):
    trainer = cohort.trainers[0]
    browser.login(trainer)
    export_id = export_id_of(browser.post(f"/kohorten/{cohort.id}/matrix.csv"))
    other = login_as(make.user("trainer"))
    db.session.commit()
    assert other.get(f"/meine-downloads/{export_id}/datei").status_code == 404
    assert other.get(f"/meine-downloads/{export_id}").status_code == 404
    learner = login_as(cohort.enrolments[0].user)
    assert learner.get(f"/meine-downloads/{export_id}/datei").status_code == 404
    assert browser.get(f"/meine-downloads/{export_id}/datei").status_code == 200
    cohort.trainers.remove(trainer)
    db.session.commit()
    assert browser.get(f"/meine-downloads/{export_id}/datei").status_code == 403
    page = browser.get(f"/meine-downloads/{export_id}").get_data(as_text=True)
    assert "Sie haben keinen Zugriff mehr auf diese Daten." in page and f"/meine-downloads/{export_id}/datei" not in page


def test_cohort_certificates_zip_is_prepared_and_read_back(browser, db, cohort, queued):
    for enrolment in cohort.enrolments[:2]:
        complete_course(db, enrolment)
    db.session.commit()
    browser.login(cohort.trainers[0])
    confirm = browser.get(f"/zertifikate/kohorte/{cohort.id}.zip").get_data(as_text=True)
    assert "Die Datei enthält 2 Zertifikate." in confirm
    export_id = export_id_of(browser.post(f"/zertifikate/kohorte/{cohort.id}.zip"))
    export = db.session.get(Export, export_id)
    assert (export.done, export.total, export.unit) == (2, 2, "certificates")
    response = fetch_ready_file(browser, export_id)
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == 2 and all(name.endswith(".pdf") for name in names)
    assert all(archive.read(name).startswith(b"%PDF") for name in names)
    from app.certificates.models import Certificate

    numbers = {c.number for c in db.session.query(Certificate).all() if c.enrolment.cohort_id == cohort.id}
    assert {name.removesuffix(".pdf") for name in names} == numbers


def test_certificates_zip_of_a_small_cohort_stays_immediate(browser, db, cohort):
    complete_course(db, cohort.enrolments[0])
    db.session.commit()
    browser.login(cohort.trainers[0])
    response = browser.get(f"/zertifikate/kohorte/{cohort.id}.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 1
