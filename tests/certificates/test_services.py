"""Issuing, re-issuing and revoking through the services; the snapshot and its signature."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from app import clock
from app.certificates import signing
from app.certificates.documents import render_pdf
from app.certificates.models import Certificate, CertificateAsset, CertificateStatus
from app.certificates.services import issue_certificate, issue_if_eligible, reissue_certificate, revoke_certificate
from app.certificates.verification import check_pdf, verification_status
from app.errors import DomainError
from app.mail.models import OutgoingMail
from app.mail.services import deliver_pending
from tests.certificates.conftest import complete_course


def certificates_of(db, enrolment) -> list[Certificate]:
    return db.session.scalars(select(Certificate).where(Certificate.enrolment_id == enrolment.id).order_by(Certificate.version)).all()


def test_completing_the_course_issues_one_signed_snapshot(db, graduate, app):
    [certificate] = certificates_of(db, graduate)
    data = certificate.data
    assert certificate.kind == "zertifikat" and certificate.number.startswith(f"KK-{date.today().year}-")
    assert data["name"] == "Jürgen Müßig-Özdemir" and data["course_title"] == "Kurzkurs Smart City"
    assert [m["title"] for m in data["modules"]] == ["Grundlagen", "Abschluss"]
    assert data["assessment"]["quizzes_pass_mark"] is not None
    assert data["design"]["name"] == "smart-city-manager" and data["design"]["texts"]["de"]["zertifikat"] == "Zertifikat"
    assert [s["name"] for s in data["signatories"]] == ["Dr. Erika Mustermann", "Max Beispiel"]
    digests = {data["design"]["logo"]} | {s["signature"] for s in data["signatories"]}
    assert db.session.scalar(select(func.count()).select_from(CertificateAsset).where(CertificateAsset.sha256.in_(digests))) == 3
    issued_on = clock.local_date(certificate.issued_at)  # the day in Berlin: 23:00–24:00 UTC is already the next one
    assert certificate.expires_on == issued_on.replace(year=issued_on.year + 5)
    assert data["verify_url"] == f"http://campus.test/verify/{certificate.code}"
    assert check_pdf(render_pdf(certificate)).status == signing.VALID


def test_completing_again_issues_nothing_new(db, graduate):
    [certificate] = certificates_of(db, graduate)
    complete_course(db, graduate)
    assert issue_if_eligible(graduate).id == certificate.id
    assert len(certificates_of(db, graduate)) == 1


def test_the_unique_constraint_stops_a_second_version_1_and_costs_no_number(db, graduate, make):
    """issue_certificate has no look-before-you-leap: the database constraint alone decides."""
    [first] = certificates_of(db, graduate)
    assert issue_certificate(graduate).id == first.id
    assert len(certificates_of(db, graduate)) == 1
    other = make.enrolment(cohort=graduate.cohort)
    complete_course(db, other)
    [second] = certificates_of(db, other)
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1  # no gap


def test_numbers_are_sequential_per_prefix_and_year(db, make):
    cohort = make.cohort()
    numbers = []
    for _n in range(3):
        enrolment = make.enrolment(cohort=cohort)
        complete_course(db, enrolment)
        numbers.append(certificates_of(db, enrolment)[0].number)
    counters = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert counters == list(range(counters[0], counters[0] + 3))


def test_the_course_decides_the_kind(db, make):
    cohort = make.cohort()
    course = cohort.course
    original = dict(course.certificate)
    course.certificate = {**original, "kind": "teilnahmebescheinigung"}
    try:
        enrolment = make.enrolment(cohort=cohort)
        complete_course(db, enrolment)
        [certificate] = certificates_of(db, enrolment)
        assert certificate.kind == "teilnahmebescheinigung"
        assert certificate.data["assessment"] == {"quizzes_pass_mark": None, "assignments": False, "final_project": False, "trainer_approval": False}
    finally:
        course.certificate = original


def test_rendering_again_gives_the_same_bytes_after_the_design_and_course_change(db, make, app, tmp_path):
    designs = tmp_path / "designs"
    shutil.copytree(Path(app.config["CERTIFICATE_DESIGNS_DIR"]), designs)
    saved = app.config["CERTIFICATE_DESIGNS_DIR"]
    app.config["CERTIFICATE_DESIGNS_DIR"] = str(designs)
    try:
        cohort = make.cohort()
        first = make.enrolment(cohort=cohort)
        complete_course(db, first)
        [old] = certificates_of(db, first)
        before = render_pdf(old)

        design_file = designs / "smart-city-manager" / "design.yml"
        design = yaml.safe_load(design_file.read_text(encoding="utf-8"))
        design["colours"]["primary"] = "#6b1d5c"
        design["texts"]["de"]["intro"] = "Wir bestätigen hiermit, dass"
        design_file.write_text(yaml.safe_dump(design, allow_unicode=True), encoding="utf-8")
        (designs / "smart-city-manager" / "logo.png").write_bytes((designs / "smart-city-manager" / "signature-2.png").read_bytes())
        course = cohort.course
        old_title = course.title
        course.title = "Kurzkurs Smart City (neu)"
        db.session.flush()

        db.session.expire_all()
        assert render_pdf(db.session.get(Certificate, old.id)) == before

        second = make.enrolment(cohort=cohort)
        complete_course(db, second)
        [new] = certificates_of(db, second)
        assert new.data["course_title"] == "Kurzkurs Smart City (neu)"
        assert new.data["design"]["colours"]["primary"] == "#6b1d5c" and new.data["design"]["logo"] != old.data["design"]["logo"]
        assert old.data["course_title"] == old_title
        course.title = old_title
    finally:
        app.config["CERTIFICATE_DESIGNS_DIR"] = saved


def test_reissue_creates_a_new_version_and_supersedes_the_old(db, graduate, make, app):
    admin = make.user("admin")
    [old] = certificates_of(db, graduate)
    graduate.user.name = "Jürgen Özdemir"
    new = reissue_certificate(old, admin, "Namensänderung nach Heirat")
    assert (old.status, new.status) == (CertificateStatus.SUPERSEDED, CertificateStatus.VALID)
    assert new.version == 2 and new.number != old.number and new.code != old.code
    assert new.data["name"] == "Jürgen Özdemir" and new.data["replaces"]["number"] == old.number
    assert new.data["modules"] == old.data["modules"] and new.expires_on == old.expires_on
    assert new.reissue_reason == "Namensänderung nach Heirat" and new.issued_by_id == admin.id
    assert verification_status(old) == "superseded"
    assert check_pdf(render_pdf(new)).status == signing.VALID
    with app.test_request_context(), pytest.raises(DomainError):
        reissue_certificate(old, admin, "noch einmal")  # only the current version


def test_reissue_and_revoke_need_a_reason(db, graduate, make, app):
    admin = make.user("admin")
    [certificate] = certificates_of(db, graduate)
    with app.test_request_context():
        with pytest.raises(DomainError):
            reissue_certificate(certificate, admin, "  ")
        with pytest.raises(DomainError):
            revoke_certificate(certificate, admin, "")


def test_revocation_keeps_the_record(db, graduate, make, app):
    admin = make.user("admin")
    [certificate] = certificates_of(db, graduate)
    revoke_certificate(certificate, admin, "Prüfungsleistung nicht selbst erbracht")
    db.session.flush()
    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.status == CertificateStatus.REVOKED and certificate.revoked_at is not None
    assert certificate.revoke_reason == "Prüfungsleistung nicht selbst erbracht" and certificate.revoked_by_id == admin.id
    assert verification_status(certificate) == "revoked"
    with app.test_request_context():
        with pytest.raises(DomainError):
            revoke_certificate(certificate, admin, "zweimal")
        with pytest.raises(DomainError):
            reissue_certificate(certificate, admin, "nach Widerruf")


def test_expiry(db, graduate):
    [certificate] = certificates_of(db, graduate)
    assert verification_status(certificate, today=certificate.expires_on) == "valid"
    assert verification_status(certificate, today=certificate.expires_on + timedelta(days=1)) == "expired"


def test_the_learner_gets_the_pdf_by_mail(db, graduate, app, smtp_server):
    [certificate] = certificates_of(db, graduate)
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == graduate.user.email))
    assert mail.attachments == [{"kind": "certificate", "id": certificate.id}]
    db.session.commit()
    assert deliver_pending()[0] >= 1
    [received] = [m for m in smtp_server.messages if m["to"] == [graduate.user.email]]
    message = received["message"]
    assert certificate.number in message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{certificate.number}.pdf" and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == render_pdf(certificate)  # rendered at send time from the snapshot


def test_production_refuses_to_issue_without_a_signing_key(db, make, app):
    saved = {k: app.config[k] for k in ("ENV_NAME", "CERTIFICATE_SIGNING_KEY")}
    app.config.update(ENV_NAME="production", CERTIFICATE_SIGNING_KEY=None)
    try:
        enrolment = make.enrolment()
        with app.test_request_context(), pytest.raises(DomainError):
            complete_course(db, enrolment)
    finally:
        app.config.update(saved)
    db.session.rollback()


def test_development_generates_a_key_once_into_the_instance_folder(app, tmp_path):
    from app.certificates.keys import _instance_signing_key

    first = _instance_signing_key(tmp_path)
    assert (tmp_path / "certificate_signing_key").stat().st_mode & 0o777 == 0o600
    assert _instance_signing_key(tmp_path) == first
    signing.load_private_key(first)



def test_a_certificate_issued_after_midnight_in_berlin_on_new_year_carries_the_new_day_and_year(db, make, app):
    """23:30 UTC on 31 December is 00:30 on 1 January in Berlin: the German certificate is
    dated 1 January and numbered in the new year, also when reissued at that moment."""
    from datetime import datetime, timezone

    from app import clock

    admin = make.user("admin")
    with clock.frozen(datetime(2027, 12, 31, 23, 30, tzinfo=timezone.utc)):
        enrolment = make.enrolment(user=make.user("learner"), cohort=make.cohort())
        complete_course(db, enrolment)
        db.session.flush()
        [certificate] = certificates_of(db, enrolment)
        assert certificate.data["issued_on"] == "2028-01-01" and "-2028-" in certificate.number
        with app.test_request_context():
            again = reissue_certificate(certificate, admin, "Namensänderung")
    assert again.data["issued_on"] == "2028-01-01" and "-2028-" in again.number


def test_verification_codes_never_begin_with_a_dash_or_underscore(monkeypatch):
    """Such a code was read as an option by `flask certificates credential CODE` (a CI run failed
    on one); the generator draws again."""
    import secrets

    from app.certificates.services import new_code

    drawn = iter(["-vOptionLike", "_under", "Ab3-good_code"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes: next(drawn))
    assert new_code() == "Ab3-good_code"
    monkeypatch.undo()
    codes = [new_code() for _ in range(2000)]
    assert all(code[0].isalnum() and len(code) == 24 for code in codes) and len(set(codes)) == 2000
