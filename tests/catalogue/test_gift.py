"""Moodle GIFT import and export, round trip included."""
from __future__ import annotations

from pathlib import Path

from app.catalogue.frontmatter import Problems, split_front_matter
from app.catalogue.gift import gift_to_markdown, quiz_to_gift
from app.catalogue.loader import load_course
from app.catalogue.quizfile import parse_quiz_body
from app.quizzes.scoring import score_question

DATA = Path(__file__).parents[1] / "data"


def parse(markdown: str):
    sink: list = []
    problems = Problems(sink, "quiz.md")
    _meta, body, first = split_front_matter(markdown, problems)
    _intro, questions = parse_quiz_body(body, first, problems)
    return {q["id"]: q for q in questions}, [p for p in sink if p.severity == "error"]


def test_moodle_export_converts_every_supported_type():
    markdown, notes = gift_to_markdown((DATA / "gift" / "moodle-export.gift").read_text(encoding="utf-8"))
    questions, errors = parse(markdown)
    assert errors == []
    assert {q: questions[q]["type"] for q in questions} == {
        "charta-jahr": "single", "leitlinien": "multiple", "die-charta-ist-ein-gesetz": "truefalse", "dsb": "short",
        "frist": "numeric", "bereich": "numeric", "zuordnung": "matching",
        "die-charta-erschien-im-jahr-____-und-gilt-bis-heut": "short", "escapes": "single",
    }
    assert [str(n) for n in notes] == [
        "2: category '$course$/Smart City/Modul 1' noted; categories have no equivalent and are not kept",
        "31: question 'Aufsatz': essay questions cannot be converted (no automatic scoring)",
    ]
    weighted = questions["leitlinien"]
    assert weighted["scoring"] == "weighted" and [o["weight"] for o in weighted["options"]] == [50, 50, -100]
    assert score_question(weighted, ["o1"]) == 0.5
    assert questions["bereich"]["min"] == 70 and questions["bereich"]["max"] == 75
    assert questions["charta-jahr"]["options"][0]["feedback"] == "Richtig, im Mai 2017."
    assert questions["charta-jahr"]["explanation"] == "Die Charta erschien 2017."
    assert questions["escapes"]["prompt"] == "Was bedeutet 1:1 und {x}?"
    assert questions["escapes"]["options"][0]["text"] == "Verhältnis = eins zu eins"
    assert "____" in questions["die-charta-erschien-im-jahr-____-und-gilt-bis-heut"]["title"]


def test_html_text_is_converted_to_plain_text_and_reported():
    markdown, notes = gift_to_markdown("::H::[html]<p>Ist das <b>fett</b>?</p>{T}\n")
    questions, errors = parse(markdown)
    assert errors == [] and questions["h"]["prompt"] == "Ist das fett?"
    assert notes[0].message == "HTML formatting was converted to plain text (raw HTML is off)"


def test_round_trip_keeps_types_answers_and_scores():
    course, _ = load_course(DATA / "courses" / "kurz-kurs")
    original = {q["id"]: q for q in course.modules[0].quiz.questions}
    gift, skipped = quiz_to_gift(list(original.values()), "Wissenscheck")
    assert skipped == ["reihenfolge"]  # GIFT has no ordering questions
    back, notes = gift_to_markdown(gift)
    converted, errors = parse(back)
    assert errors == [] and notes == []
    assert set(converted) == set(original) - {"reihenfolge"}
    for qid, question in converted.items():
        source = original[qid]
        assert question["type"] == source["type"], qid
        assert question["points"] == 1 or question["type"] == "multiple"
        assert question.get("explanation") == source.get("explanation"), qid
        if source["type"] in ("single", "truefalse"):
            assert [o["correct"] for o in question["options"]] == [o["correct"] for o in source["options"]]
        if source["type"] == "short":
            assert question["accepted"] == source["accepted"]
        if source["type"] == "numeric":
            assert (question["min"], question["max"]) == (source["min"], source["max"])
        if source["type"] == "matching":
            assert [(p["left"], p["right"]) for p in question["pairs"]] == [(p["left"], p["right"]) for p in source["pairs"]]
    # partial credit survives as weights: same fraction for every possible answer
    multiple_source, multiple_back = original["charta-leitlinien"], converted["charta-leitlinien"]
    from itertools import combinations

    ids = [o["id"] for o in multiple_source["options"]]
    for size in range(len(ids) + 1):
        for chosen in combinations(ids, size):
            expected = score_question(multiple_source, list(chosen)) / multiple_source["points"]
            assert abs(score_question(multiple_back, list(chosen)) - expected) < 1e-3


def test_cli_import_and_export(app, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "quiz.md"
    result = runner.invoke(args=["courses", "import-gift", str(DATA / "gift" / "moodle-export.gift"), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "9 question(s) written, 2 note(s)" in result.output
    assert "moodle-export.gift:31: question 'Aufsatz': essay questions cannot be converted" in result.output
    again = runner.invoke(args=["courses", "import-gift", str(DATA / "gift" / "moodle-export.gift"), "--output", str(target)])
    assert again.exit_code != 0 and "use --force" in again.output
    out = tmp_path / "out.gift"
    result = runner.invoke(args=["courses", "export-gift", str(target), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "::charta-jahr::" in out.read_text(encoding="utf-8")


def test_export_is_read_the_same_by_an_independent_gift_parser(tmp_path):
    """gift-pegjs (npm) parses our export into the same question types and correct answers."""
    import json
    import shutil
    import subprocess

    import pytest

    root = Path(__file__).parents[2]
    if not shutil.which("node") or not (root / "node_modules" / "gift-pegjs").exists():
        pytest.skip("node or gift-pegjs missing (make test installs it with npm)")
    course, _ = load_course(DATA / "courses" / "kurz-kurs")
    gift, _ = quiz_to_gift(course.modules[0].quiz.questions, "Wissenscheck")
    path = tmp_path / "quiz.gift"
    path.write_text(gift, encoding="utf-8")
    parsed = json.loads(subprocess.run(["node", str(root / "tests" / "tools" / "gift_parse.js"), str(path)],
                                       capture_output=True, text=True, check=True, cwd=root).stdout)
    assert [(q["type"], q["title"]) for q in parsed] == [
        ("MC", "charta-jahr"), ("MC", "charta-leitlinien"), ("TF", "charta-gesetz"), ("Short", "dsb"),
        ("Numerical", "meldefrist"), ("Matching", "zuordnung"),
    ]
    single = parsed[0]["choices"]
    assert [c["isCorrect"] for c in single] == [o["correct"] for o in course.modules[0].quiz.questions[0]["options"]]
    assert sorted(c["weight"] for c in parsed[1]["choices"]) == [-50, 50, 50]
