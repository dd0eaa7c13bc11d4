from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.catalogue.models import Module
from app.db import utcnow
from app.sessions import services
from app.sessions.models import SessionMode
from app.sessions.times import berlin_to_utc


@pytest.fixture()
def trainer(make):
    return make.user("trainer", name="Tina Trainerin")


@pytest.fixture()
def cohort(make, trainer):
    return make.cohort(trainers=[trainer], name="Brandenburg 2027-1")


@pytest.fixture()
def module(db):
    return db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))


def add_session(cohort, starts_at=None, title="Workshop 1: Grundlagen", module=None, **kwargs):
    return services.create_session(
        cohort, title, starts_at or utcnow() + timedelta(days=3), kwargs.pop("duration_minutes", 180),
        kwargs.pop("mode", SessionMode.ONLINE), kwargs.pop("location", "https://konferenz.example.org/raum-1"), module,
        kwargs.pop("materials", ""),
    )


def past_session(cohort, days_ago: int, title: str = "Workshop"):
    return add_session(cohort, starts_at=utcnow() - timedelta(days=days_ago), title=title)


def berlin(year, month, day, hour, minute=0):
    return berlin_to_utc(date(year, month, day), time(hour, minute))
