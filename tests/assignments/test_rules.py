"""Rubric scoring, due dates and lateness (pure functions)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.assignments.rules import RubricError, due_date, is_late, max_points, score_rubric

RUBRIC = [
    {"id": "c1", "criterion": "A", "levels": [{"points": 0.0}, {"points": 2.0}, {"points": 4.0}]},
    {"id": "c2", "criterion": "B", "levels": [{"points": 0.0}, {"points": 1.5}]},
]


def test_points_are_the_sum_of_the_chosen_levels():
    assert score_rubric(RUBRIC, {"c1": 2, "c2": 1}) == 5.5
    assert score_rubric(RUBRIC, {"c1": 0, "c2": 0}) == 0
    assert max_points(RUBRIC) == 5.5


@pytest.mark.parametrize("chosen", [{"c1": 1}, {"c1": 3, "c2": 0}, {"c1": -1, "c2": 0}, {"c1": 0, "c2": 0, "c9": 0}])
def test_every_criterion_needs_exactly_one_known_level(chosen):
    with pytest.raises(RubricError):
        score_rubric(RUBRIC, chosen)


def test_due_date_counts_from_the_module_opening():
    assert due_date(date(2027, 1, 18), 14) == date(2027, 2, 1)
    assert due_date(date(2027, 1, 18), None) is None


def test_late_means_after_the_end_of_the_due_day_in_german_time():
    due = date(2027, 2, 1)
    assert not is_late(datetime(2027, 2, 1, 22, 30, tzinfo=timezone.utc), due)  # 23:30 in Berlin
    assert is_late(datetime(2027, 2, 1, 23, 30, tzinfo=timezone.utc), due)      # 00:30 next day in Berlin
    assert not is_late(datetime(2030, 1, 1, tzinfo=timezone.utc), None)
