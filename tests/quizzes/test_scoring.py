"""Scoring of every question type, on questions parsed from the test course."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalogue.loader import load_course
from app.quizzes.scoring import normalise_text, parse_number, score_attempt, score_question, snapshot_questions

COURSE = Path(__file__).parents[1] / "data" / "courses" / "kurz-kurs"


@pytest.fixture(scope="module")
def questions() -> dict[str, dict]:
    course, _ = load_course(COURSE)
    return {q["id"]: q for q in course.modules[0].quiz.questions}


def option(question, text):
    return next(o["id"] for o in question["options"] if o["text"] == text)


def test_single_choice(questions):
    q = questions["charta-jahr"]
    assert score_question(q, option(q, "2017")) == 1
    assert score_question(q, option(q, "2015")) == 0
    assert score_question(q, None) == 0


def test_true_false(questions):
    q = questions["charta-gesetz"]
    assert score_question(q, option(q, "Falsch")) == 1
    assert score_question(q, option(q, "Wahr")) == 0


def test_multiple_choice_partial_credit(questions):
    q = questions["charta-leitlinien"]  # two right of three, 2 points
    right1 = option(q, "Transparenz, Teilhabe und Mitgestaltung")
    right2 = option(q, "Ressourcen, Kompetenzen und Kooperationen")
    wrong = option(q, "Wachstum durch Technik")
    assert score_question(q, [right1, right2]) == 2
    assert score_question(q, [right1]) == 1
    assert score_question(q, [right1, wrong]) == 0  # one right, one wrong cancel out
    assert score_question(q, [right1, right2, wrong]) == 1
    assert score_question(q, [wrong]) == 0  # never below zero
    assert score_question({**q, "scoring": "all"}, [right1]) == 0


def test_multiple_choice_weighted():
    q = {"type": "multiple", "points": 1, "scoring": "weighted", "options": [
        {"id": "o1", "weight": 50, "correct": True}, {"id": "o2", "weight": 50, "correct": True},
        {"id": "o3", "weight": -100, "correct": False}]}
    assert score_question(q, ["o1"]) == 0.5
    assert score_question(q, ["o1", "o2"]) == 1
    assert score_question(q, ["o1", "o3"]) == 0


def test_short_text_ignores_case_and_spaces(questions):
    q = questions["dsb"]
    assert score_question(q, "  Öffentliche   STELLE ") == 1
    assert score_question(q, "behörde") == 1
    assert score_question(q, "Unternehmen") == 0
    assert score_question(q, "") == 0


def test_numeric_with_tolerance_and_german_notation(questions):
    q = questions["meldefrist"]
    assert score_question(q, "72") == 1
    assert score_question(q, "72,0") == 1
    assert score_question(q, "71") == 0
    assert score_question(q, "zweiundsiebzig") == 0
    ranged = {"type": "numeric", "points": 1, "min": 800.0, "max": 850.0}
    assert score_question(ranged, "820") == 1 and score_question(ranged, "1.000") == 0
    assert parse_number("1.234,5") == 1234.5 and parse_number("1234.5") == 1234.5


def test_matching_partial(questions):
    q = questions["zuordnung"]  # three pairs, 2 points
    ids = [p["id"] for p in q["pairs"]]
    assert score_question(q, {i: i for i in ids}) == 2
    assert score_question(q, {ids[0]: ids[0], ids[1]: ids[2], ids[2]: ids[1]}) == pytest.approx(2 / 3, abs=1e-3)
    assert score_question(q, {}) == 0


def test_ordering_partial(questions):
    q = questions["reihenfolge"]
    ids = [i["id"] for i in q["items"]]
    assert score_question(q, {ids[0]: 1, ids[1]: 2, ids[2]: 3}) == 1
    assert score_question(q, {ids[0]: 1, ids[1]: 3, ids[2]: 2}) == pytest.approx(1 / 3, abs=1e-3)


def test_pass_mark_decides(questions):
    snapshot = list(questions.values())
    result = score_attempt(snapshot, {}, 75)
    assert result["score"] == 0 and not result["passed"]
    assert result["max_score"] == sum(q["points"] for q in snapshot)


def test_normalise_text():
    assert normalise_text("  Ａbc\u00a0 DEF ") == "abc def"


def random_answer(question, data):
    kind = question["type"]
    if kind in ("single", "truefalse"):
        return data.draw(st.sampled_from([o["id"] for o in question["options"]] + [None, "bogus"]))
    if kind == "multiple":
        return data.draw(st.lists(st.sampled_from([o["id"] for o in question["options"]] + ["x"]), max_size=5))
    if kind in ("short", "numeric"):
        return data.draw(st.text(max_size=20))
    if kind == "matching":
        ids = [p["id"] for p in question["pairs"]]
        return data.draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(ids + ["zz"])))
    ids = [i["id"] for i in question["items"]]
    return data.draw(st.dictionaries(st.sampled_from(ids), st.integers(-1, 5)))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_score_always_within_zero_and_max(questions, data):
    question = data.draw(st.sampled_from(list(questions.values())))
    earned = score_question(question, random_answer(question, data))
    assert 0 <= earned <= question["points"]


@settings(max_examples=100, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_shuffling_never_changes_a_score(questions, data, seed):
    original = list(questions.values())
    answers = {q["id"]: random_answer(q, data) for q in original}
    shuffled = snapshot_questions(original, shuffle=True, seed=seed)
    assert sorted(q["id"] for q in shuffled) == sorted(questions)
    assert score_attempt(shuffled, answers, 75)["score"] == score_attempt(original, answers, 75)["score"]
