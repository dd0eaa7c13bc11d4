"""The course loader: a valid course loads, and broken content is reported by file and line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalogue.loader import load_course

SOURCE = Path(__file__).parents[1] / "data" / "courses" / "kurz-kurs"


@pytest.fixture()
def course_dir(tmp_path) -> Path:
    target = tmp_path / "kurz-kurs"
    shutil.copytree(SOURCE, target)
    return target


def messages(problems, severity="error") -> list[str]:
    return [str(p) for p in problems if p.severity == severity]


def test_valid_course_loads_with_all_items(course_dir):
    course, problems = load_course(course_dir)
    assert messages(problems) == []
    assert [m.slug for m in course.modules] == ["01-grundlagen", "02-abschluss"]
    first = course.modules[0]
    assert [l.slug for l in first.lessons] == ["was-ist-eine-smart-city", "die-charta"]
    assert {q["type"] for q in first.quiz.questions} == {"single", "multiple", "truefalse", "short", "numeric", "matching", "ordering"}
    assert course.modules[1].assignments[0].settings["max_points"] == 2
    assert course.modules[1].prerequisites == ["01-grundlagen"]


def test_lesson_rendering_escapes_raw_html_and_resolves_links(course_dir):
    course, _ = load_course(course_dir)
    html = course.modules[0].lessons[0].body_html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="/kurse/kurz-kurs/01-grundlagen/die-charta#leitlinien"' in html
    assert 'class="callout callout-praxis"' in html and "Praxis: Aus der Verwaltung" in html
    assert "<table>" in html and 'class="footnotes"' in html
    assert course.modules[0].lessons[0].toc[0] == {"level": 2, "id": "lernziele", "text": "Lernziele"}
    review = course.modules[1].lessons[0].body_html
    assert "<figure>" in review and "<figcaption>Abbildung 1: Schaubild</figcaption>" in review
    assert 'href="/medien/kurz-kurs/02-abschluss/media/checkliste.txt"' in review


def test_unchanged_files_give_the_same_hashes(course_dir):
    first, _ = load_course(course_dir)
    second, _ = load_course(course_dir)
    assert first.content_hash == second.content_hash
    (course_dir / "01-grundlagen" / "02-die-charta.md").write_text("---\ntitle: Neu\n---\n\nText\n", encoding="utf-8")
    third, _ = load_course(course_dir)
    assert third.content_hash != first.content_hash
    assert third.modules[0].lessons[1].content_hash != first.modules[0].lessons[1].content_hash
    assert third.modules[0].lessons[0].content_hash == first.modules[0].lessons[0].content_hash


@pytest.mark.parametrize(
    ("path", "find", "replace", "expected"),
    [
        ("01-grundlagen/01-was-ist-eine-smart-city.md", "(02-die-charta.md#leitlinien)", "(03-fehlt.md)",
         "kurz-kurs/01-grundlagen/01-was-ist-eine-smart-city.md:22: error: link target not found: 03-fehlt.md"),
        ("01-grundlagen/quiz.md", "{#charta-gesetz type=truefalse}", "{#charta-jahr type=truefalse}",
         "kurz-kurs/01-grundlagen/quiz.md:25: error: duplicate question id 'charta-jahr' (first used on line 8)"),
        ("01-grundlagen/quiz.md", "{#dsb type=short}", "{#dsb type=essay}",
         "kurz-kurs/01-grundlagen/quiz.md:32: error: question 'dsb': type= must be one of single, multiple, truefalse, short, numeric, matching, ordering, not 'essay'"),
        ("01-grundlagen/quiz.md", "pass_mark: 75", "pass_mark: 75\ncolour: blau",
         "kurz-kurs/01-grundlagen/quiz.md:4: error: unknown attribute 'colour' in a quiz front matter (known: max_attempts, pass_mark, shuffle, time_limit_minutes, title, wait_minutes)"),
        ("01-grundlagen/quiz.md", "- [x] 2017", "- [ ] 2017",
         "kurz-kurs/01-grundlagen/quiz.md:8: error: question 'charta-jahr': mark exactly one option as correct with [x]"),
        ("01-grundlagen/module.yml", "hours: 2", "hours: [zwei",
         "kurz-kurs/01-grundlagen/module.yml:4: error: invalid YAML"),
        ("02-abschluss/01-rueckblick.md", "![Vier Leitlinien als Schaubild]", "![]",
         "kurz-kurs/02-abschluss/01-rueckblick.md:8: error: image 'media/schaubild.png' needs alt text"),
        ("02-abschluss/assignment-reflexion.md", "pass_points: 2", "pass_points: 5",
         "pass_points (5) is more than the rubric's maximum (2)"),
        ("course.yml", "  - 02-abschluss", "  - 02-abschluss\n  - 03-fehlt",
         "kurz-kurs/course.yml:17: error: module folder '03-fehlt' does not exist"),
        ("02-abschluss/module.yml", "prerequisites: [01-grundlagen]", "prerequisites: [09-gibt-es-nicht]",
         "kurz-kurs/02-abschluss/module.yml:6: error: prerequisite '09-gibt-es-nicht' is not a module listed before this one"),
    ],
)
def test_errors_name_file_and_line(course_dir, path, find, replace, expected):
    file = course_dir / path
    text = file.read_text(encoding="utf-8")
    assert find in text
    file.write_text(text.replace(find, replace, 1), encoding="utf-8")
    course, problems = load_course(course_dir)
    assert course is None
    assert any(expected in message for message in messages(problems)), messages(problems)


def test_missing_objectives_is_a_warning_not_an_error(course_dir):
    file = course_dir / "02-abschluss" / "module.yml"
    file.write_text("title: Abschluss\nhours: 1\nprerequisites: [01-grundlagen]\n", encoding="utf-8")
    course, problems = load_course(course_dir)
    assert course is not None
    assert messages(problems, "warning") == ["kurz-kurs/02-abschluss/module.yml:1: warning: the module states no learning objectives"]


def test_binary_junk_is_reported_not_raised(course_dir):
    (course_dir / "01-grundlagen" / "quiz.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    course, problems = load_course(course_dir)
    assert course is None
    assert "kurz-kurs/01-grundlagen/quiz.md:1: error: file is binary, not UTF-8 text" in messages(problems)


junk = st.one_of(
    st.text(max_size=400),
    st.builds(lambda a, b: f"---\n{a}\n---\n{b}", st.text(max_size=200), st.text(max_size=200)),
    st.builds(lambda a, b: f"---\ntitle: T\n---\n## {a} {{{b}}}\n- [x] a\n- [ ] b\n", st.text(max_size=60), st.text(max_size=60)),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(["01-grundlagen/quiz.md", "01-grundlagen/01-was-ist-eine-smart-city.md", "01-grundlagen/module.yml", "course.yml", "02-abschluss/assignment-reflexion.md"]), content=junk)
def test_broken_content_never_raises(course_dir, target, content):
    (course_dir / target).write_text(content, encoding="utf-8", errors="surrogateescape")
    course, problems = load_course(course_dir)
    for problem in problems:
        assert problem.line >= 1 and problem.path.startswith("kurz-kurs")
    assert course is not None or any(p.severity == "error" for p in problems)


def test_lesson_named_like_a_module_page_is_refused(course_dir):
    (course_dir / "01-grundlagen" / "03-quiz.md").write_text("---\ntitle: Quiz?\n---\n\nText\n", encoding="utf-8")
    course, problems = load_course(course_dir)
    assert course is None
    assert "kurz-kurs/01-grundlagen/03-quiz.md:1: error: 'quiz' is reserved for the module's own pages; rename the lesson file" in messages(problems)
