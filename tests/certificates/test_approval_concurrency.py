"""Two trainers approve the same completion at the same moment, each in its own session and
connection: one approval, one certificate; the other trainer is told it is approved already."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.certificates.conftest import own_database_app
from tests.certificates.test_concurrency import _completed_enrolment


@pytest.fixture(scope="module")
def approval_app(request, tmp_path_factory):
    """A database of its own whose test course asks for the trainer's approval."""
    with own_database_app(request, tmp_path_factory, "approvalconc", trainer_approval=True) as app:
        yield app


def test_two_concurrent_approvals_make_one_approval_and_one_certificate(approval_app):
    from app.accounts.models import Role, User
    from app.certificates.models import Certificate, CompletionApproval
    from app.certificates.services import approve_completion
    from app.cohorts.models import Enrolment
    from app.errors import DomainError
    from app.extensions import db

    enrolment_id = _completed_enrolment(approval_app, "approval-race")
    with approval_app.app_context():
        admins = [User(email=f"admin-race-{n}@example.net", name=f"Admin {n}", role=Role.ADMIN) for n in range(2)]
        db.session.add_all(admins)
        db.session.commit()
        admin_ids = [a.id for a in admins]

    barrier = threading.Barrier(2)
    results: list = [None, None]

    def worker(index: int) -> None:
        with approval_app.test_request_context():  # the refusal's message is translated for a request
            try:
                enrolment = db.session.get(Enrolment, enrolment_id)
                enrolment.cohort.course  # load what the service reads before racing
                admin = db.session.get(User, admin_ids[index])
                db.session.commit()  # hold no transaction at the barrier (see test_concurrency._race)
                barrier.wait(timeout=10)
                results[index] = approve_completion(enrolment, admin).id
                db.session.commit()
            except (DomainError, OperationalError) as exc:  # SQLite may refuse the stale writer outright
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    with approval_app.app_context():
        [certificate] = db.session.scalars(select(Certificate.id).where(Certificate.enrolment_id == enrolment_id)).all()
        assert db.session.scalar(select(func.count()).select_from(CompletionApproval)
                                 .where(CompletionApproval.enrolment_id == enrolment_id)) == 1
    winners = [r for r in results if r == certificate]
    losers = [r for r in results if isinstance(r, (DomainError, OperationalError))]
    assert len(winners) == 1 and len(losers) == 1, results
    if approval_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # the loser waits for the winner's row, then the primary key refuses its approval
        assert isinstance(losers[0], DomainError) and "bereits freigegeben" in losers[0].message
