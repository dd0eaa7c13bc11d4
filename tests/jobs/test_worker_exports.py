"""A prepared export built by a real worker process (`flask --app wsgi worker`, Redis on
127.0.0.1) into the file store on S3 (moto_server on 127.0.0.1): the trainer asks for the
progress matrix as XLSX, the worker builds it into the bucket, the trainer downloads it through
the app and it reads back with openpyxl."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from app import clock
from app.extensions import db
from tests.conftest import TEST_COURSES, Browser
from tests.exports.conftest import export_id_of
from tests.jobs.conftest import wait_for


def _cohort_with_a_trainer(app) -> tuple[int, str]:
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.catalogue.models import Course
    from app.catalogue.services import import_path
    from app.cohorts.models import Cohort, Enrolment
    from app.progress.services import initialise_enrolment

    with app.app_context():
        import_path(TEST_COURSES)
        course = db.session.scalar(select(Course).where(Course.slug == "kurz-kurs"))
        trainer = create_user("tina@example.net", "Tina Trainerin", Role.TRAINER, "ein-sicheres-passwort")
        cohort = Cohort(course=course, name="Kohorte im Bucket", land="12", starts_on=clock.today())
        cohort.trainers.append(trainer)
        db.session.add(cohort)
        for name in ("Anna Arndt", "Bernd Bauer", "Clara Claßen"):
            enrolment = Enrolment(user=create_user(f"{name.split()[0].lower()}@example.net", name, Role.LEARNER, None), cohort=cohort)
            db.session.add(enrolment)
            db.session.flush()
            initialise_enrolment(enrolment)
        db.session.commit()
        return cohort.id, trainer.email


def _status(app, export_id: int):
    from app.exports.models import Export

    with app.app_context():
        export = db.session.get(Export, export_id)
        result = (export.status.value, export.file_key, export.done, export.total)
        db.session.rollback()
        return result


def test_a_worker_builds_the_matrix_into_s3_and_the_trainer_downloads_it(queue_app, workers, s3_server, tmp_path):
    storage = s3_server.settings(s3_server.new_bucket())
    local = tmp_path / "files"
    queue_app.config.update(**storage, FILE_STORAGE_DIR=str(local), EXPORT_IMMEDIATE_ROWS=0, COURSES_DIR=str(TEST_COURSES))
    cohort_id, email = _cohort_with_a_trainer(queue_app)
    browser = Browser(queue_app.test_client())
    browser.login(email)

    export_id = export_id_of(browser.post(f"/kohorten/{cohort_id}/matrix.xlsx?sort=name"))
    assert _status(queue_app, export_id)[0] == "pending"  # queued on Redis, not built by the web side
    page = browser.get(f"/meine-downloads/{export_id}").get_data(as_text=True)
    assert "Die Datei wird erstellt …" in page

    workers.start(**storage, FILE_STORAGE_DIR=str(local), COURSES_DIR=str(TEST_COURSES))
    status = wait_for(lambda: (s := _status(queue_app, export_id))[0] == "ready" and s, 60, "the export built by the worker", workers)
    _, key, done, total = status
    assert (done, total) == (3, 3)
    objects = s3_server.client().list_objects_v2(Bucket=storage["FILE_STORAGE_URL"][5:].split("/")[0])["Contents"]
    assert [item["Key"] for item in objects] == [f"dateien/{key}"]  # in the bucket …
    assert not local.exists() or not any(p.is_file() for p in local.rglob("*"))  # … and nowhere on the local disk

    response = browser.get(f"/meine-downloads/{export_id}/datei")
    assert response.status_code == 200 and response.is_streamed  # streamed from S3 through the app
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert sheet.title == "Kohorte im Bucket"
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Anna Arndt", "Bernd Bauer", "Clara Claßen"]
