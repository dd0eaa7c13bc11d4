from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalogue.models import Module


@pytest.fixture()
def trainer(make):
    return make.user("trainer", name="Tina Trainerin")


@pytest.fixture()
def cohort(make, trainer):
    return make.cohort(trainers=[trainer], name="Brandenburg 2027-1")


@pytest.fixture()
def module(db):
    return db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))


@pytest.fixture()
def members(make, cohort):
    anna = make.enrolment(user=make.user("learner", name="Anna Amt", email="anna@kommune.example"), cohort=cohort)
    bert = make.enrolment(user=make.user("learner", name="Bert Bauamt", email="bert@kommune.example"), cohort=cohort)
    carla = make.enrolment(user=make.user("learner", name="Carla Kämmerei", email="carla@kommune.example"), cohort=cohort)
    return anna.user, bert.user, carla.user
