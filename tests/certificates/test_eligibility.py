"""Eligibility is a pure function of stored progress and the course's completion rules."""
from __future__ import annotations

from app.certificates.eligibility import awaits_approval, is_eligible

REQUIRED = {("lesson", 1), ("quiz", 2), ("assignment", 3)}


def test_all_required_items_and_course_complete():
    assert is_eligible(REQUIRED, REQUIRED | {("module", 9)}, True, {})


def test_missing_item_or_incomplete_course_is_not_eligible():
    assert not is_eligible(REQUIRED, REQUIRED - {("quiz", 2)}, True, {})
    assert not is_eligible(REQUIRED, REQUIRED, False, {})


def test_a_course_without_requirements_issues_nothing():
    assert not is_eligible(set(), set(), True, {})


def test_trainer_approval_only_where_the_course_asks_for_it():
    assert not is_eligible(REQUIRED, REQUIRED, True, {"trainer_approval": True})
    assert is_eligible(REQUIRED, REQUIRED, True, {"trainer_approval": True}, trainer_approved=True)
    assert is_eligible(REQUIRED, REQUIRED, True, {"trainer_approval": False})


def test_approval_is_awaited_only_when_it_is_the_last_thing_missing():
    rules = {"trainer_approval": True}
    assert awaits_approval(REQUIRED, REQUIRED, True, rules)
    assert not awaits_approval(REQUIRED, REQUIRED, True, rules, trainer_approved=True)
    assert not awaits_approval(REQUIRED, REQUIRED - {("quiz", 2)}, True, rules)
    assert not awaits_approval(REQUIRED, REQUIRED, False, rules)
    assert not awaits_approval(REQUIRED, REQUIRED, True, {"trainer_approval": False})
    assert not awaits_approval(REQUIRED, REQUIRED, True, {**rules, "min_attendance": 80})  # attendance unknown: not met
