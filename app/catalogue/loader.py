"""Reads a course folder (see docs/course-format.md) into plain objects and a list of problems.

Pure: imports neither Flask nor the database. URLs for links between lessons come from a
`CourseUrls` object that the caller supplies, so the importer can use the app's routes.

The parts: coursedata.py (what comes out), schemas.py (what the files may contain), inventory.py
(which file is what, and resolving links), frontmatter.py (reading and checking one file),
markdown.py and quizfile.py (the bodies); this module walks the folder and puts them together."""
from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

from app.catalogue.coursedata import AssignmentData, CourseData, LessonData, MediaData, ModuleData, QuizData
from app.catalogue.frontmatter import (
    Problem, Problems, check_mapping, key_lines, list_item_line, load_markdown_file, load_yaml_file,
)
from app.catalogue.inventory import IMAGE_TYPES, CourseUrls, Inventory, plan_module
from app.catalogue.markdown import RENDERING_VERSION, render
from app.catalogue.quizfile import parse_quiz_body
from app.catalogue.schemas import (
    ASSIGNMENT_SCHEMA, CERTIFICATE_SCHEMA, COMPLETION_SCHEMA, COURSE_SCHEMA, LESSON_SCHEMA, MODULE_SCHEMA, QUIZ_SCHEMA,
    check_rubric,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
MAX_MEDIA_BYTES = 20 * 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rendered_hash(path: Path) -> str:
    """The hash of a Markdown file as rendered: its bytes and the renderer's version."""
    return sha256(RENDERING_VERSION.encode() + b"\0" + path.read_bytes())


def content_hash(root: Path) -> str:
    """SHA-256 over every file of the course folder (names and bytes) and the renderer's version."""
    digest = hashlib.sha256(f"rendering {RENDERING_VERSION}\0".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def find_courses(path: Path) -> list[Path]:
    """A course folder itself, or every folder with a course.yml below `path` (one level)."""
    if (path / "course.yml").is_file():
        return [path]
    return sorted(p for p in path.iterdir() if (p / "course.yml").is_file()) if path.is_dir() else []


def load_course(root: Path, urls: CourseUrls | None = None, designs_dir: Path | None = None) -> tuple[CourseData | None, list[Problem]]:
    urls = urls or CourseUrls()
    sink: list[Problem] = []
    slug = root.name
    rel_root = root.name
    if not SLUG.match(slug):
        sink.append(Problem(rel_root, 1, f"course folder name {slug!r} must be lowercase letters, digits and '-'"))
        return None, sink
    meta = load_yaml_file(root / "course.yml", f"{rel_root}/course.yml", COURSE_SCHEMA, sink, "course.yml")
    if meta is None:
        return None, sink
    course_problems = Problems(sink, f"{rel_root}/course.yml")
    course_text = (root / "course.yml").read_text(encoding="utf-8")
    lines = key_lines(course_text, 1)
    certificate = check_mapping(meta["certificate"], CERTIFICATE_SCHEMA, course_problems, lines, lines.get("certificate", 1), "certificate")
    completion = check_mapping(meta["completion"], COMPLETION_SCHEMA, course_problems, lines, lines.get("completion", 1), "completion")
    if designs_dir is not None and certificate.get("design") and not (designs_dir / certificate["design"]).is_dir():
        course_problems.error(lines.get("certificate", 1), f"certificate design {certificate['design']!r} not found in {designs_dir.name}/")
    module_slugs = meta["modules"] or []
    if not module_slugs:
        course_problems.error(lines.get("modules", 1), "the course lists no modules")
    seen: set[str] = set()
    for name in module_slugs:
        line = list_item_line(course_text, name, lines.get("modules", 1))
        if name in seen:
            course_problems.error(line, f"module {name!r} is listed twice")
        seen.add(name)
        if not (root / name).is_dir():
            course_problems.error(line, f"module folder {name!r} does not exist")
        elif not SLUG.match(name):
            course_problems.error(line, f"module folder name {name!r} must be lowercase letters, digits and '-'")
    for child in sorted(root.iterdir()):
        if child.is_dir() and child.name not in seen and not child.name.startswith("."):
            course_problems.warning(1, f"folder {child.name!r} is not listed under modules: and is ignored")
    module_slugs = [m for m in dict.fromkeys(module_slugs) if (root / m).is_dir() and SLUG.match(m)]

    inventory = Inventory(slug, root, urls)
    plans: dict[str, dict] = {}
    for module in module_slugs:
        plans[module] = plan_module(root / module, module, inventory, sink, rel_root)

    course = CourseData(
        slug=slug, title=meta["title"] or "", version=str(meta["version"] or ""), language=meta["language"],
        hours=meta["hours"] or 0.0, summary=(meta["summary"] or "").strip(), certificate=certificate,
        completion=completion, content_hash="",
    )
    earlier: list[str] = []
    for position, module in enumerate(module_slugs, start=1):
        data = _load_module(root / module, module, position, plans[module], inventory, sink, rel_root, earlier)
        if data:
            course.modules.append(data)
        earlier.append(module)
    for rel, path in sorted(inventory.media.items()):
        content = path.read_bytes()
        if len(content) > MAX_MEDIA_BYTES:
            sink.append(Problem(f"{rel_root}/{rel}", 1, f"media file larger than {MAX_MEDIA_BYTES // 2**20} MB"))
            continue
        content_type = IMAGE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        course.media.append(MediaData(rel, content_type, content, sha256(content)))
    course.content_hash = content_hash(root)
    if any(p.severity == "error" for p in sink):
        return None, sink
    return course, sink


def _load_module(folder, module, position, plan, inventory, sink, rel_root, earlier) -> ModuleData | None:
    rel_yml = f"{rel_root}/{module}/module.yml"
    if not (folder / "module.yml").is_file():
        sink.append(Problem(rel_yml, 1, "module.yml is missing"))
        return None
    meta = load_yaml_file(folder / "module.yml", rel_yml, MODULE_SCHEMA, sink, "module.yml")
    if meta is None:
        return None
    problems = Problems(sink, rel_yml)
    lines = key_lines((folder / "module.yml").read_text(encoding="utf-8"), 1)
    if not meta["objectives"]:
        problems.warning(lines.get("objectives", 1), "the module states no learning objectives")
    for prerequisite in meta["prerequisites"]:
        if prerequisite not in earlier:
            problems.error(lines.get("prerequisites", 1), f"prerequisite {prerequisite!r} is not a module listed before this one")
    data = ModuleData(
        slug=module, position=position, title=meta["title"] or "", summary=(meta["summary"] or "").strip(),
        hours=meta["hours"] or 0.0, objectives=meta["objectives"], prerequisites=meta["prerequisites"],
        final_project=meta["final_project"], content_hash=sha256((folder / "module.yml").read_bytes()),
    )
    for n, (slug, path) in enumerate(plan["lessons"], start=1):
        lesson = _load_lesson(path, slug, n, module, inventory, sink, rel_root)
        if lesson:
            data.lessons.append(lesson)
    if plan["quiz"]:
        data.quiz = _load_quiz(plan["quiz"], module, sink, rel_root)
    for n, (slug, path) in enumerate(plan["assignments"], start=1):
        assignment = _load_assignment(path, slug, n, module, inventory, sink, rel_root)
        if assignment:
            data.assignments.append(assignment)
    if not data.lessons and not data.assignments:
        problems.error(1, "the module has neither lessons nor assignments")
    if data.final_project and not data.assignments:
        problems.error(lines.get("final_project", 1), "a final-project module needs an assignment-*.md")
    return data


def _load_lesson(path, slug, position, module, inventory, sink, rel_root) -> LessonData | None:
    rel = f"{rel_root}/{module}/{path.name}"
    loaded = load_markdown_file(path, rel, LESSON_SCHEMA, sink, "a lesson")
    if loaded is None:
        return None
    meta, body, body_line = loaded
    problems = Problems(sink, rel)
    if not body.strip():
        problems.error(body_line, "the lesson has no text")
    rendered = render(body, inventory.resolver(module, problems), line_offset=body_line - 1)
    return LessonData(slug, position, meta["title"] or "", meta["minutes"], rendered.html, rendered.toc,
                      f"{rel_root}/{module}/{path.name}", _rendered_hash(path))


def _load_quiz(path, module, sink, rel_root) -> QuizData | None:
    rel = f"{rel_root}/{module}/quiz.md"
    loaded = load_markdown_file(path, rel, QUIZ_SCHEMA, sink, "a quiz")
    if loaded is None:
        return None
    meta, body, body_line = loaded
    problems = Problems(sink, rel)
    intro_html, questions = parse_quiz_body(body, body_line, problems)
    settings = {k: meta[k] for k in ("pass_mark", "max_attempts", "wait_minutes", "time_limit_minutes", "shuffle")}
    return QuizData("quiz", meta["title"] or "", settings, intro_html, questions, _rendered_hash(path))


def _load_assignment(path, slug, position, module, inventory, sink, rel_root) -> AssignmentData | None:
    rel = f"{rel_root}/{module}/{path.name}"
    loaded = load_markdown_file(path, rel, ASSIGNMENT_SCHEMA, sink, "an assignment")
    if loaded is None:
        return None
    meta, body, body_line = loaded
    problems = Problems(sink, rel)
    source = path.read_text(encoding="utf-8").split("\n---", 1)[0]
    rubric_line = key_lines(source, 1).get("rubric", 1)
    rubric = check_rubric(meta["rubric"] or [], problems, rubric_line)
    if rubric is None:
        return None
    max_points = sum(max(level["points"] for level in c["levels"]) for c in rubric)
    if meta["pass_points"] is not None and meta["pass_points"] > max_points:
        problems.error(rubric_line, f"pass_points ({meta['pass_points']:g}) is more than the rubric's maximum ({max_points:g})")
    if not body.strip():
        problems.error(body_line, "the assignment has no instructions")
    rendered = render(body, inventory.resolver(module, problems), line_offset=body_line - 1)
    settings = {k: meta[k] for k in ("submission", "file_types", "max_file_mb", "due_days", "late", "required", "pass_points")}
    settings["max_points"] = max_points
    return AssignmentData(slug, position, meta["title"] or "", rendered.html, settings, rubric, _rendered_hash(path))
