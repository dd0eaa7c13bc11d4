"""Helpers for the certificate tests: a learner who completes the test course."""
from __future__ import annotations

import pytest


def complete_course(db, enrolment) -> None:
    """Completes every required item of the enrolment's course, through the progress service
    (which issues the certificate in the same transaction)."""
    from app.catalogue.models import Module
    from app.progress.services import complete_item, required_items

    course = enrolment.cohort.course
    for module_id, items in sorted(required_items(course).items()):
        module = db.session.get(Module, module_id)
        for item_type, item_id in sorted(items, key=lambda i: (i[0].value, i[1])):
            complete_item(enrolment, item_type, item_id, module)


def ask_for_approval(db, course) -> None:
    """The course's completion rules ask for a trainer's approval (rolled back with the test)."""
    course.completion = {**(course.completion or {}), "trainer_approval": True}
    db.session.flush()


def complete_first_module(db, enrolment) -> None:
    """Part of the way: every required item of the course's first module."""
    from app.catalogue.models import Module
    from app.progress.services import complete_item, required_items

    required = required_items(enrolment.cohort.course)
    module_id = min(required)
    module = db.session.get(Module, module_id)
    for item_type, item_id in sorted(required[module_id], key=lambda i: (i[0].value, i[1])):
        complete_item(enrolment, item_type, item_id, module)


@pytest.fixture()
def graduate(db, make):
    """An enrolment whose course is complete, with its certificate issued."""
    trainer = make.user("trainer")
    cohort = make.cohort(trainers=[trainer])
    enrolment = make.enrolment(user=make.user("learner", name="Jürgen Müßig-Özdemir"), cohort=cohort)
    complete_course(db, enrolment)
    db.session.flush()
    return enrolment
