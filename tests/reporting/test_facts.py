"""The reporting facts stay equal to what they are derived from, through every write path the
agency's figures depend on — checked against a full recomputation after each step."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.reporting import facts
from app.reporting.models import EnrolmentFact
from tests.reporting.conftest import complete_course, learner


def _assert_current(db) -> None:
    db.session.flush()
    assert facts.check(db.session.connection()) == []


def _fact(db, enrolment) -> EnrolmentFact | None:
    db.session.flush()
    query = select(EnrolmentFact).where(EnrolmentFact.enrolment_id == enrolment.id).execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def test_check_reports_a_stale_row(db, make):
    """The comparison the other tests rely on can fail."""
    enrolment = learner(db, make, make.cohort(land="12"), "12054", "Potsdam")
    db.session.execute(update(EnrolmentFact).where(EnrolmentFact.enrolment_id == enrolment.id).values(district_ags="12052"))
    problems = facts.check(db.session.connection())
    assert len(problems) == 1 and f"enrolment {enrolment.id}:" in problems[0] and "12052" in problems[0]


def test_enrolment_progress_and_certificate(db, make):
    cohort = make.cohort(land="12")
    enrolment = learner(db, make, cohort, "12054", "Landeshauptstadt Potsdam")
    row = _fact(db, enrolment)
    assert (row.land, row.district_ags, row.municipality, row.in_progress) == ("12", "12054", "Landeshauptstadt Potsdam", True)
    assert row.last_activity_at is None and row.certified_at is None
    complete_course(db, enrolment)
    row = _fact(db, enrolment)
    assert row.completed_at is not None and row.certified_at is not None and row.last_activity_at is not None
    assert row.in_progress is False  # completed
    _assert_current(db)


def test_revoke_and_reissue(db, make):
    from app.certificates.services import existing_certificate, reissue_certificate, revoke_certificate

    enrolment = learner(db, make, make.cohort(land="09"), "09162", "München", complete=True)
    admin = make.user("admin")
    certificate = existing_certificate(enrolment)
    reissued = reissue_certificate(certificate, admin, "Namensänderung", name="Neuer Name")
    assert _fact(db, enrolment).certified_at == reissued.issued_at
    _assert_current(db)
    revoke_certificate(reissued, admin, "Täuschung festgestellt")
    assert _fact(db, enrolment).certified_at is None
    _assert_current(db)


def test_region_changes_of_learner_and_cohort(db, make):
    from app.accounts.services import update_profile
    from app.cohorts.services import update_cohort

    cohort = make.cohort(land="12")
    with_profile = learner(db, make, cohort, "12054", "Potsdam")
    without_profile = learner(db, make, cohort, None, None)
    assert (_fact(db, without_profile).land, _fact(db, without_profile).district_ags) == ("12", None)

    update_profile(with_profile.user, with_profile.user.name, "Cottbus", "12052", None)
    assert (_fact(db, with_profile).district_ags, _fact(db, with_profile).municipality) == ("12052", "Cottbus")

    update_cohort(cohort, cohort.name, "09", "09162", cohort.starts_on, cohort.ends_on, cohort.seats)
    assert (_fact(db, without_profile).land, _fact(db, without_profile).district_ags) == ("09", "09162")
    assert _fact(db, with_profile).land == "12"  # the profile wins
    _assert_current(db)


def test_invitation_withdrawal_move_and_activity(db, make):
    from app.cohorts.services import move_enrolment, reactivate_enrolment, withdraw_enrolment
    from app.cohorts.models import EnrolmentStatus

    cohort = make.cohort(land="12")
    enrolment = learner(db, make, cohort, "12054", "Potsdam")
    enrolment.status = EnrolmentStatus.INVITED
    assert _fact(db, enrolment) is None  # not counted before the invitation is accepted
    enrolment.status = EnrolmentStatus.ACTIVE
    assert _fact(db, enrolment) is not None

    withdraw_enrolment(enrolment)
    assert _fact(db, enrolment).in_progress is False
    reactivate_enrolment(enrolment)
    assert _fact(db, enrolment).in_progress is True

    other = make.cohort(land="12")
    move_enrolment(enrolment, other)
    assert _fact(db, enrolment).cohort_id == other.id

    complete_course(db, enrolment)
    from app.progress.models import ProgressItem

    item = db.session.scalars(select(ProgressItem).where(ProgressItem.enrolment_id == enrolment.id)).first()
    item.completed_at = item.completed_at + timedelta(days=400)  # e.g. a correction by an admin script
    assert _fact(db, enrolment).last_activity_at == item.completed_at
    _assert_current(db)


def test_account_deletion_keeps_the_count_without_the_municipality(db, make):
    from app.privacy.services import delete_account

    enrolment = learner(db, make, make.cohort(land="12"), "12054", "Potsdam", complete=True)
    open_one = learner(db, make, make.cohort(land="12"), "12054", "Potsdam")
    delete_account(enrolment.user, None, "self")
    delete_account(open_one.user, None, "self")
    row = _fact(db, enrolment)
    assert (row.land, row.district_ags, row.municipality) == ("12", "12054", None)
    assert row.certified_at is not None  # the certificate stays valid, and counted
    assert _fact(db, open_one).in_progress is False  # open enrolments end
    _assert_current(db)


def test_rebuild_equals_the_incremental_rows(db, make, world):
    connection = db.session.connection()
    before = {row.enrolment_id: tuple(row) for row in connection.execute(select(EnrolmentFact.__table__))}
    assert len(before) == 11
    assert facts.rebuild(connection) == 11
    after = {row.enrolment_id: tuple(row) for row in connection.execute(select(EnrolmentFact.__table__))}
    assert after == before


def test_cli_check_and_rebuild(app, db, make, world):
    enrolment = learner(db, make, make.cohort(land="12"), "12054", "Potsdam")
    db.session.execute(update(EnrolmentFact).where(EnrolmentFact.enrolment_id == enrolment.id).values(municipality="Falsch"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reporting", "check-facts"])
    assert result.exit_code == 1 and f"enrolment {enrolment.id}:" in result.output and "1 enrolment(s) differ" in result.output
    result = runner.invoke(args=["reporting", "rebuild-facts"])
    assert result.exit_code == 0 and "12 row(s)" in result.output
    result = runner.invoke(args=["reporting", "check-facts"])
    assert result.exit_code == 0 and "matches its sources" in result.output
