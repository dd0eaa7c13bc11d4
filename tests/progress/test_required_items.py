"""What completing a course takes (app.progress.services.required_and_done): one statement for
the course's rules, its modules' lessons, quizzes and assignments and the enrolment's done items;
and what marking a lesson done costs."""
from __future__ import annotations

from sqlalchemy import select

from app.catalogue.models import Lesson, Module, Quiz
from app.cohorts.models import Enrolment  # noqa: F401  (app.cohorts before app.progress.services, which it imports)
from app.progress.models import ItemType
from app.progress.services import required_and_done, required_items
from tests.statements import statements_sent

LESSON = "/kurse/kurz-kurs/01-grundlagen/was-ist-eine-smart-city"


def by_the_orm(course, rules: dict) -> dict[int, set]:
    """The same rule written the long way, over the ORM objects."""
    required = {}
    for module in course.modules:
        if module.archived_at is not None:
            continue
        items = {(ItemType.LESSON, l.id) for l in module.lessons if l.archived_at is None}
        if rules.get("quizzes", "all") == "all":
            items |= {(ItemType.QUIZ, q.id) for q in module.quizzes if q.archived_at is None}
        if rules.get("assignments", "all") == "all":
            items |= {(ItemType.ASSIGNMENT, a.id) for a in module.assignments
                      if a.archived_at is None and a.settings.get("required", True)}
        required[module.id] = items
    return required


def counted(db, run) -> list[str]:
    return statements_sent(db.engine, run)


def test_required_items_follow_the_course_rules_in_one_statement(db, make):
    course = make.course()
    assert (course.completion["quizzes"], course.completion["assignments"]) == ("all", "none")
    sent = counted(db, lambda: required_items(course))
    assert len(sent) == 1, sent
    assert dict(required_items(course)) == by_the_orm(course, course.completion)
    assert any(t == ItemType.QUIZ for items in required_items(course).values() for t, _ in items)

    # the caller's rules, changed and not flushed yet, are the ones that count
    with db.session.no_autoflush:
        course.completion = {"quizzes": "none", "assignments": "all"}
        required = dict(required_items(course))
    assert required == by_the_orm(course, {"quizzes": "none", "assignments": "all"})
    assert any(t == ItemType.ASSIGNMENT for items in required.values() for t, _ in items)
    assert not any(t == ItemType.QUIZ for items in required.values() for t, _ in items)


def test_the_rules_come_from_the_database_when_the_caller_has_not_loaded_them(db, make):
    course = make.course()
    db.session.expire(course, ["completion"])
    assert dict(required_items(course)) == by_the_orm(course, {"quizzes": "all", "assignments": "none"})


def test_archived_items_and_modules_do_not_count_and_done_items_come_along(db, make):
    course = make.course()
    first, second = [m for m in course.modules if m.archived_at is None][:2]
    lesson = next(l for l in first.lessons if l.archived_at is None)
    lesson.archived_at = second.archived_at = db.func.now()
    db.session.flush()
    enrolment = make.enrolment()
    required, done = required_and_done(course, enrolment.id)
    assert second.id not in required and (ItemType.LESSON, lesson.id) not in required[first.id]
    assert done == set()
    assert set(required) == {m.id for m in db.session.scalars(select(Module).where(
        Module.course_id == course.id, Module.archived_at.is_(None)))}
    assert {i for items in required.values() for t, i in items if t == ItemType.LESSON} == set(db.session.scalars(
        select(Lesson.id).join(Module).where(Module.course_id == course.id, Module.archived_at.is_(None), Lesson.archived_at.is_(None))))
    assert {i for items in required.values() for t, i in items if t == ItemType.QUIZ} == set(db.session.scalars(
        select(Quiz.id).join(Module).where(Module.course_id == course.id, Module.archived_at.is_(None), Quiz.archived_at.is_(None))))


def test_marking_a_lesson_done_reads_the_course_once(db, make, browser):
    enrolment = make.enrolment()
    browser.login(enrolment.user)
    browser.get(LESSON)
    sent = counted(db, lambda: browser.post(LESSON + "/erledigt"))
    # the login session with its user; the version with the enrolment and progress; the enrolment
    # to write; the new row (and the reporting facts it changes); what is required and done; the totals
    assert len(sent) <= 8, sent
    assert len([s for s in sent if s.lstrip().upper().startswith("SELECT")]) == 4, sent
    again = counted(db, lambda: browser.post(LESSON + "/erledigt"))
    assert len(again) <= 2, again  # done already: nothing to write
    db.session.refresh(enrolment)
    assert (enrolment.items_done, enrolment.items_total) == (1, 4)
