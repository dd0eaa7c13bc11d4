"""Exactly one certificate per enrolment, whatever the concurrency: two issuers in two threads,
each with its own session and connection, on a database of their own (SQLite here; PostgreSQL
when TEST_DATABASE_URL is set)."""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.certificates.conftest import own_database_app


@pytest.fixture(scope="module")
def shared_app(request, tmp_path_factory):
    with own_database_app(request, tmp_path_factory, "certconc") as app:
        yield app


def _completed_enrolment(app, name: str) -> int:
    """A committed enrolment with every required item done but no certificate yet."""
    from app.accounts.models import Role, User
    from app.catalogue.models import Course
    from app.cohorts.models import Cohort, Enrolment
    from app.extensions import db
    from app.progress.models import ItemType, ProgressItem
    from app.progress.services import required_items

    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "kurz-kurs"))
        user = User(email=f"{name}@example.net", name=name, role=Role.LEARNER)
        cohort = Cohort(course=course, name=f"Kohorte {name}", land="12", starts_on=date(2027, 1, 11))
        enrolment = Enrolment(user=user, cohort=cohort)
        db.session.add(enrolment)
        db.session.flush()
        for items in required_items(course).values():
            for item_type, item_id in items:
                db.session.add(ProgressItem(enrolment_id=enrolment.id, item_type=item_type, item_id=item_id))
        db.session.add(ProgressItem(enrolment_id=enrolment.id, item_type=ItemType.COURSE, item_id=course.id))
        db.session.commit()
        return enrolment.id


def _race(app, enrolment_id: int, issue) -> list:
    """Runs `issue(enrolment)` in two threads that start together; each commits its own transaction."""
    from app.cohorts.models import Enrolment
    from app.extensions import db

    barrier = threading.Barrier(2)
    results: list = [None, None]

    def worker(index: int) -> None:
        with app.app_context():
            try:
                enrolment = db.session.get(Enrolment, enrolment_id)
                enrolment.cohort.course  # load what the issuer reads before racing
                # End the reading transaction: on SQLite, transactions outside a request begin
                # IMMEDIATE (they take the write lock), and holding it at the barrier would
                # keep the other thread from ever reaching it.
                db.session.commit()
                barrier.wait(timeout=10)
                certificate = issue(enrolment)
                db.session.commit()
                results[index] = certificate.id
            except OperationalError as exc:  # SQLite: the loser's write lock times out or its snapshot is stale
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _certificates(app, enrolment_id: int) -> list[int]:
    from app.certificates.models import Certificate
    from app.extensions import db

    with app.app_context():
        return db.session.scalars(select(Certificate.id).where(Certificate.enrolment_id == enrolment_id)).all()


@pytest.mark.parametrize("entry", ["issue_if_eligible", "issue_certificate"])
def test_two_concurrent_issuers_make_exactly_one_certificate(shared_app, entry):
    """`issue_certificate` skips the look-before-you-leap check, so there the unique constraint
    on (enrolment, version) is the only guard."""
    from app.certificates import services

    enrolment_id = _completed_enrolment(shared_app, f"race-{entry}")
    results = _race(shared_app, enrolment_id, getattr(services, entry))
    [winner] = _certificates(shared_app, enrolment_id)
    assert winner in results
    for result in results:
        # PostgreSQL: the loser waits, hits the constraint and returns the winner's certificate.
        # SQLite serialises writers: the loser either does the same or is refused and rolls back.
        assert result == winner or isinstance(result, OperationalError), result
    if shared_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert results == [winner, winner]


def test_concurrent_issues_for_different_enrolments_get_distinct_numbers(shared_app):
    from app.certificates.models import Certificate
    from app.certificates.services import issue_if_eligible
    from app.extensions import db

    ids = [_completed_enrolment(shared_app, f"parallel-{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    errors: list = []

    def worker(enrolment_id: int) -> None:
        from app.cohorts.models import Enrolment

        with shared_app.app_context():
            for _attempt in range(5):  # SQLite refuses a stale writer: a request would be retried the same way
                try:
                    enrolment = db.session.get(Enrolment, enrolment_id)
                    db.session.commit()  # no transaction held at the barrier (see _race)
                    barrier.wait(timeout=10) if _attempt == 0 else None
                    issue_if_eligible(enrolment)
                    db.session.commit()
                    break
                except OperationalError as exc:
                    # SQLite does not wait when a reader upgrades to a writer while another
                    # connection writes: it refuses at once. Back off and retry, as a client would.
                    db.session.rollback()
                    errors.append(exc)
                    time.sleep(0.1 * (_attempt + 1))
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
                    break
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with shared_app.app_context():
        numbers = db.session.scalars(select(Certificate.number).where(Certificate.enrolment_id.in_(ids))).all()
        assert len(numbers) == 2 and len(set(numbers)) == 2, errors
        assert db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.enrolment_id.in_(ids))) == 2
