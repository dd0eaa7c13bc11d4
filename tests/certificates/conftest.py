"""Helpers for the certificate tests: a learner who completes the test course; an app on a
database of its own for the tests that race two sessions."""
from __future__ import annotations

from contextlib import contextmanager

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


@contextmanager
def own_database_app(request, tmp_path_factory, name: str, trainer_approval: bool = False):
    """An app on an empty database of its own (SQLite file, or a fresh PostgreSQL database when
    TEST_DATABASE_URL is set) holding the test course, for tests whose threads each need their
    own session and connection; optionally the course asks for the trainer's approval."""
    from sqlalchemy import select

    from app import create_app
    from app.catalogue.models import Course
    from app.catalogue.services import import_path
    from app.config import TestConfig
    from app.extensions import db
    from tests.conftest import TEST_COURSES, worker_id
    from tests.databases import fresh_database

    tmp = tmp_path_factory.mktemp(name)
    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=fresh_database(tmp, f"{name}_{worker_id(request)}"), MAIL_DIR=str(tmp / "mail"),
                    COURSES_DIR=str(TEST_COURSES))
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        import_path(TEST_COURSES)
        if trainer_approval:
            course = db.session.scalar(select(Course).where(Course.slug == "kurz-kurs"))
            course.completion = {**course.completion, "trainer_approval": True}
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


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
