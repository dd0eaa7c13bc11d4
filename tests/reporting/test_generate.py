"""`demo generate`: realistic, deterministic, idempotent, and its size is what was asked."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.accounts.models import User
from app.certificates.models import Certificate, CertificateCounter
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.demo.generate import COHORT_PREFIX, COHORT_SIZE, generate, generated_learner_count
from app.progress.models import ItemType, ProgressItem
from app.regions import district

TODAY = date(2027, 6, 1)


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_generates_the_requested_number_and_is_idempotent(db):
    report = generate(60, today=TODAY)
    assert report.learners == 60 and generated_learner_count() == 60
    cohorts = count(db, Cohort, Cohort.name.like(COHORT_PREFIX + "%"))
    assert cohorts == -(-60 // COHORT_SIZE) == report.cohorts
    before = (count(db, User), count(db, Enrolment), count(db, ProgressItem), count(db, Certificate))
    again = generate(60, today=TODAY)
    assert again.learners == 0 and again.existing_learners == 60
    assert (count(db, User), count(db, Enrolment), count(db, ProgressItem), count(db, Certificate)) == before
    more = generate(100, today=TODAY)
    assert more.learners == 40 and generated_learner_count() == 100
    assert count(db, Enrolment) == before[1] + 40


def test_generated_data_is_consistent_and_realistic(db):
    generate(120, today=TODAY)
    users = db.session.scalars(select(User).where(User.email.like("gen-%"))).all()
    assert all(district(u.district_ags) and u.land == u.district_ags[:2] and u.municipality for u in users)
    enrolments = db.session.scalars(select(Enrolment).join(User).where(User.email.like("gen-%"))).all()
    statuses = {e.status for e in enrolments}
    assert EnrolmentStatus.COMPLETED in statuses and EnrolmentStatus.ACTIVE in statuses
    done = dict(db.session.execute(
        select(ProgressItem.enrolment_id, func.count()).where(ProgressItem.item_type.in_([ItemType.LESSON, ItemType.QUIZ, ItemType.ASSIGNMENT]))
        .group_by(ProgressItem.enrolment_id)).all())
    for enrolment in enrolments:
        assert done.get(enrolment.id, 0) == enrolment.items_done
        if enrolment.status == EnrolmentStatus.COMPLETED:
            assert enrolment.items_done == enrolment.items_total and enrolment.completed_at >= enrolment.enrolled_at
    item = db.session.scalars(select(ProgressItem).order_by(ProgressItem.id.desc()).limit(1)).one()
    enrolment = db.session.get(Enrolment, item.enrolment_id)
    assert item.completed_at.tzinfo is not None and enrolment.enrolled_at <= item.completed_at
    certificates = db.session.scalars(select(Certificate).join(Enrolment).join(User).where(User.email.like("gen-%"))).all()
    completed = [e for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    assert len(certificates) == len(completed) > 0
    first = certificates[0]
    assert first.signature and first.data["name"] == first.enrolment.user.name and first.data["number"] == first.number
    years = {c.issued_at.year for c in certificates}
    counter = db.session.get(CertificateCounter, (first.number.split("-")[0], max(years)))
    assert counter.last_number >= max(int(c.number.rsplit("-", 1)[1]) for c in certificates if c.issued_at.year == max(years))


def test_same_seed_same_people(db):
    generate(10, today=TODAY, seed=7)
    names = [u.name for u in db.session.scalars(select(User).where(User.email.like("gen-%")).order_by(User.email))]
    places = [u.district_ags for u in db.session.scalars(select(User).where(User.email.like("gen-%")).order_by(User.email))]
    db.session.rollback()
    assert len(names) == 10 and len(set(places)) >= 1
    from app.demo.generate import district_weights

    districts, cumulative = district_weights(7)
    assert len(districts) == 401 and cumulative[-1] > 0
    assert sum(1 for a, b in zip([0.0] + cumulative, cumulative) if a == b) > 0  # some districts take part in nothing


def test_cli_command(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "generate", "--help"])
    assert result.exit_code == 0 and "--learners" in result.output
