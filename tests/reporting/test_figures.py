"""The pure arithmetic of the figures: no Flask, no database."""
from __future__ import annotations

import pytest

from app.reporting import figures
from app.reporting.figures import Counts, Suppressed


def test_completion_rate_and_rate_per_inhabitants_hide_with_their_counts():
    from app.reporting.publication import Publication

    key = ("land", "12")
    pub = Publication(("total",), 3, counts={key: Counts(enrolled=10, certified=5, completed_of_enrolled=5)})
    assert pub.completion_rate(key) == 0.5 and pub.per_100k(key, 500_000) == 1.0
    assert pub.per_100k(key, 0) is None and pub.completion_rate(("land", "09")) is None
    pub.hidden["completed_of_enrolled"].add(key)  # the rate and the enrolled would give it away
    assert pub.completion_rate(key) == Suppressed(3)
    pub.hidden["certified"].add(key)  # the rate and the population would give it away
    assert pub.per_100k(key, 500_000) == Suppressed(3) and str(pub.value(key, "certified")) == "•"
    assert pub.value(key, "enrolled") == 10


@pytest.mark.parametrize(("histogram", "median"), [
    ({}, None), ({5: 1}, 5.0), ({1: 1, 3: 1}, 2.0), ({1: 2, 10: 1}, 1.0), ({2: 1, 4: 1, 100: 2}, 52.0),
])
def test_median_from_a_histogram(histogram, median):
    assert figures.median_from_histogram(histogram) == median


def test_median_days_of_a_small_group_is_suppressed():
    assert figures.median_days({40: 2}, 3) == Suppressed(3)
    assert figures.median_days({40: 3}, 3) == 40.0


def test_periods():
    assert figures.period_of("2026-05", "month") == "2026-05"
    assert figures.period_of("2026-05", "quarter") == "2026-Q2"
    assert figures.period_of("2026-12", "quarter") == "2026-Q4"
    assert figures.period_of("2026-05", "year") == "2026"
    assert figures.months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    monthly = {"2025-11": 2, "2026-02": 5}
    assert figures.by_period(monthly, "month") == [("2025-11", 2), ("2025-12", 0), ("2026-01", 0), ("2026-02", 5)]
    assert figures.by_period(monthly, "quarter") == [("2025-Q4", 2), ("2026-Q1", 5)]
    assert figures.by_period(monthly, "year") == [("2025", 2), ("2026", 5)]
    assert figures.by_period({}, "year") == []


def test_coverage_lists_districts_with_and_without_certified_people():
    districts = {"12": ["12051", "12052", "12054"], "09": ["09162"]}
    result = figures.coverage(["12", "09"], districts.__getitem__, {"12054": 3, "12052": 0, "09162": 1})
    assert [(c.land, c.covered, c.uncovered) for c in result] == [("09", ["09162"], []), ("12", ["12054"], ["12051", "12052"])]
    assert result[1].share == pytest.approx(1 / 3) and result[1].total == 3


def test_counts_add_up():
    total = Counts(1, 2, 3, 4, 5).add(Counts(10, 20, 30, 40, 50))
    assert total == Counts(11, 22, 33, 44, 55) and not total.is_empty and Counts().is_empty
