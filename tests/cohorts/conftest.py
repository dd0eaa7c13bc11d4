from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.cohorts.models import Enrolment, Invitation


@pytest.fixture()
def trainer(make):
    return make.user("trainer", name="Tom Trainer")


@pytest.fixture()
def cohort(make, trainer):
    return make.cohort(trainers=[trainer], name="Brandenburg 2027-1")


@pytest.fixture()
def trainer_browser(browser, trainer):
    browser.login(trainer)
    return browser


def counts(db) -> tuple[int, int, int]:
    """Users, enrolments, invitations: what an import writes."""
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Enrolment)),
        db.session.scalar(select(func.count()).select_from(Invitation)),
    )


def upload(name: str, data: bytes):
    return (io.BytesIO(data), name)


def link_from(body: str) -> str:
    import re

    return re.search(r"http://campus\.test(/einladung/[A-Za-z0-9_\-]+)", body).group(1)


def expire(db, invitation: Invitation) -> None:
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.session.flush()


@pytest.fixture()
def browser_for_learner(another_browser, make, cohort):
    enrolment = make.enrolment(cohort=cohort)
    another_browser.login(enrolment.user)
    return another_browser, enrolment
