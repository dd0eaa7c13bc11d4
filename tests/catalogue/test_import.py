"""Importing is idempotent, and re-importing a changed course never loses a learner's progress."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from app.catalogue.models import Lesson, Module, Quiz
from app.catalogue.services import import_path
from app.progress.models import ItemType
from app.progress.services import complete_item

SOURCE = Path(__file__).parents[1] / "data" / "courses" / "kurz-kurs"


def copy_course(tmp_path) -> Path:
    target = tmp_path / "courses" / "kurz-kurs"
    shutil.copytree(SOURCE, target)
    return target


def test_second_import_changes_nothing(app, db, tmp_path):
    folder = copy_course(tmp_path)
    with app.app_context():
        reports, problems = import_path(folder.parent)
    assert [str(r) for r in reports] == ["kurz-kurs: 0 created, 0 updated, 0 archived, 1 unchanged"]


def test_changed_course_archives_removed_items_and_keeps_progress(app, db, make, tmp_path):
    enrolment = make.enrolment()
    charta = db.session.scalar(select(Lesson).where(Lesson.slug == "die-charta"))
    complete_item(enrolment, ItemType.LESSON, charta.id, charta.module)
    db.session.commit()
    quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == "01-grundlagen"))
    questions_before = len(quiz.questions)

    folder = copy_course(tmp_path)
    (folder / "01-grundlagen" / "02-die-charta.md").unlink()
    first = folder / "01-grundlagen" / "01-was-ist-eine-smart-city.md"
    first.write_text(first.read_text(encoding="utf-8").replace("[der Charta](02-die-charta.md#leitlinien)", "der Charta"), encoding="utf-8")
    quiz_file = folder / "01-grundlagen" / "quiz.md"
    quiz_file.write_text(quiz_file.read_text(encoding="utf-8").replace("Wann erschien die Smart City Charta?", "In welchem Jahr erschien die Charta?"), encoding="utf-8")
    with app.app_context():
        reports, problems = import_path(folder.parent)
    assert not [p for p in problems if p.severity == "error"]
    report = reports[0]
    assert (report.archived, report.created) == (1, 0)

    db.session.refresh(charta)
    assert charta.archived_at is not None  # archived, not deleted
    db.session.refresh(quiz)
    assert len(quiz.questions) == questions_before and quiz.questions[0]["title"] == "In welchem Jahr erschien die Charta?"
    db.session.refresh(enrolment)
    assert enrolment.items_total == 3  # two lessons + quiz
    assert enrolment.items_done == 0  # the archived lesson no longer counts, its row is kept

    (folder / "01-grundlagen" / "02-die-charta.md").write_text((SOURCE / "01-grundlagen" / "02-die-charta.md").read_text(encoding="utf-8"), encoding="utf-8")
    with app.app_context():
        import_path(folder.parent)
    db.session.refresh(charta)
    db.session.refresh(enrolment)
    assert charta.archived_at is None
    assert (enrolment.items_done, enrolment.items_total) == (1, 4)  # progress comes back with the lesson


def test_import_refuses_everything_when_one_file_is_broken(app, db, tmp_path):
    folder = copy_course(tmp_path)
    (folder / "01-grundlagen" / "module.yml").write_text("title: [kaputt\n", encoding="utf-8")
    with app.app_context():
        reports, problems = import_path(folder.parent)
    assert reports == []
    assert any(p.path == "kurz-kurs/01-grundlagen/module.yml" and p.severity == "error" for p in problems)


def test_development_reload_picks_up_an_edited_lesson(app, db, browser, make, tmp_path):
    from app.catalogue.reload import CourseReloader

    folder = copy_course(tmp_path)
    saved = app.config["COURSES_DIR"]
    app.config["COURSES_DIR"] = str(folder.parent)
    try:
        reloader = CourseReloader(app)
        lesson = folder / "01-grundlagen" / "02-die-charta.md"
        lesson.write_text(lesson.read_text(encoding="utf-8").replace("Die Charta nennt vier Leitlinien.", "Die Charta nennt genau vier Leitlinien."), encoding="utf-8")
        reloader.checked_at = 0.0
        with app.test_request_context():
            reloader.check()
    finally:
        app.config["COURSES_DIR"] = saved
    charta = db.session.scalar(select(Lesson).where(Lesson.slug == "die-charta"))
    db.session.refresh(charta)
    assert "genau vier Leitlinien" in charta.body_html


def test_a_new_rendering_version_re_renders_unchanged_files(app, db, tmp_path, monkeypatch):
    """Stored HTML follows the renderer: after an upgrade that renders differently (here: tables
    as focusable regions), importing the same files again replaces the stored HTML."""
    from app.catalogue import loader
    from app.catalogue.models import Assignment

    folder = copy_course(tmp_path)
    assignment = folder / "02-abschluss" / "assignment-reflexion.md"
    assignment.write_text(assignment.read_text(encoding="utf-8") + "\n\n| Kriterium | Punkte |\n|---|---|\n| Klarheit | 2 |\n", encoding="utf-8")
    with app.app_context():
        import_path(folder.parent)
    row = db.session.scalar(select(Assignment).where(Assignment.slug == "reflexion"))
    row.instructions_html = row.instructions_html.replace(' role="region" tabindex="0"', "")  # as an older version stored it
    db.session.commit()
    with app.app_context():
        assert [str(r) for r in import_path(folder.parent)[0]] == ["kurz-kurs: 0 created, 0 updated, 0 archived, 1 unchanged"]
    monkeypatch.setattr(loader, "RENDERING_VERSION", "test-next")
    with app.app_context():
        reports, _problems = import_path(folder.parent)
    assert reports[0].updated > 0
    db.session.refresh(row)
    assert '<div class="table-wrap" role="region" tabindex="0"' in row.instructions_html
