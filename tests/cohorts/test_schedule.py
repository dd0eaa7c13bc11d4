"""Release dates: defaults from start date and hours, trainer overrides (pure)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from app.cohorts.schedule import default_release_dates, module_opens_on, module_release_dates


@dataclass
class FakeModule:
    id: int
    position: int
    hours: float
    archived_at: object = None
    course: object = None


@dataclass
class FakeRelease:
    module_id: int
    opens_on: date


@dataclass
class FakeCohort:
    starts_on: date
    module_releases: list = field(default_factory=list)


@dataclass
class FakeCourse:
    modules: list


START = date(2027, 1, 11)  # a Monday


def test_first_module_opens_at_the_start_and_the_rest_follow_the_hours():
    # 4 h/week: 5 h → week 2, 11 h → week 3, 17 h → week 5
    assert default_release_dates(START, [(1, 5), (2, 6), (3, 6), (4, 2)]) == {
        1: START, 2: date(2027, 1, 25), 3: date(2027, 2, 1), 4: date(2027, 2, 15),
    }


def test_modules_open_on_the_weekday_of_the_start():
    dates = default_release_dates(START, [(m, 5) for m in range(1, 9)])
    assert {d.weekday() for d in dates.values()} == {START.weekday()}
    assert sorted(dates.values()) == list(dates.values())


def test_pace_must_be_positive():
    with pytest.raises(ValueError):
        default_release_dates(START, [(1, 5)], hours_per_week=0)


def test_override_wins_and_module_order_follows_position():
    modules = [FakeModule(20, 2, 4), FakeModule(10, 1, 4)]
    cohort = FakeCohort(START, [FakeRelease(20, date(2027, 3, 1))])
    assert module_release_dates(cohort, modules) == {10: START, 20: date(2027, 3, 1)}


def test_module_opens_on_uses_its_course_siblings():
    course = FakeCourse([])
    modules = [FakeModule(1, 1, 8, course=course), FakeModule(2, 2, 4, course=course), FakeModule(3, 3, 4, course=course)]
    course.modules.extend(modules)
    cohort = FakeCohort(START)
    assert module_opens_on(cohort, modules[2]) == date(2027, 2, 1)  # 12 h before it: 3 weeks
    cohort.module_releases.append(FakeRelease(3, date(2027, 1, 12)))
    assert module_opens_on(cohort, modules[2]) == date(2027, 1, 12)
