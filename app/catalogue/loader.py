"""Reads a course folder (see docs/course-format.md) into plain objects and a list of problems.

Pure: imports neither Flask nor the database. URLs for links between lessons come from a
`CourseUrls` object that the caller supplies, so the importer can use the app's routes."""
from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.catalogue.frontmatter import (
    Field, Problem, Problems, check_mapping, key_lines, list_of_str, non_negative, one_of,
    parse_yaml, positive, split_front_matter,
)
from app.catalogue.markdown import RENDERING_VERSION, render
from app.catalogue.quizfile import parse_quiz_body

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
LESSON_FILE = re.compile(r"^(?:(\d+)-)?([a-z0-9][a-z0-9-]*)\.md$")
ASSIGNMENT_FILE = re.compile(r"^assignment-([a-z0-9][a-z0-9-]*)\.md$")
RESERVED_SLUGS = {"quiz", "aufgaben", "erledigt"}  # URL segments of the module's own pages
FILE_TYPES = ("pdf", "docx", "odt", "xlsx", "ods", "pptx", "odp", "png", "jpg")
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
MAX_MEDIA_BYTES = 20 * 1024 * 1024


class CourseUrls:
    """URL scheme used in rendered lessons; the importer passes one built from the app's routes."""

    def lesson(self, course: str, module: str, lesson: str) -> str:
        return f"/kurse/{course}/{module}/{lesson}"

    def quiz(self, course: str, module: str) -> str:
        return f"/kurse/{course}/{module}/quiz"

    def assignment(self, course: str, module: str, assignment: str) -> str:
        return f"/kurse/{course}/{module}/aufgaben/{assignment}"

    def media(self, course: str, path: str) -> str:
        return f"/medien/{course}/{path}"


@dataclass
class LessonData:
    slug: str
    position: int
    title: str
    minutes: int
    body_html: str
    toc: list[dict]
    source_path: str
    content_hash: str


@dataclass
class QuizData:
    slug: str
    title: str
    settings: dict
    intro_html: str
    questions: list[dict]
    content_hash: str


@dataclass
class AssignmentData:
    slug: str
    position: int
    title: str
    instructions_html: str
    settings: dict
    rubric: list[dict]
    content_hash: str


@dataclass
class MediaData:
    path: str
    content_type: str
    data: bytes
    sha256: str


@dataclass
class ModuleData:
    slug: str
    position: int
    title: str
    summary: str
    hours: float
    objectives: list[str]
    prerequisites: list[str]
    final_project: bool
    content_hash: str
    lessons: list[LessonData] = field(default_factory=list)
    quiz: QuizData | None = None
    assignments: list[AssignmentData] = field(default_factory=list)


@dataclass
class CourseData:
    slug: str
    title: str
    version: str
    language: str
    hours: float
    summary: str
    certificate: dict
    completion: dict
    content_hash: str
    modules: list[ModuleData] = field(default_factory=list)
    media: list[MediaData] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _prefix_check(value: str) -> str | None:
    return None if re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", value) else "use 2–10 capital letters or digits, e.g. SCM"


COURSE_SCHEMA = {
    "title": Field(str, required=True),
    "version": Field((str, int, float), required=True),
    "language": Field(str, default="de", check=one_of("de", "en")),
    "hours": Field(float, required=True, check=positive),
    "summary": Field(str, default=""),
    "certificate": Field(dict, default={}),
    "completion": Field(dict, default={}),
    "modules": Field(list, required=True, check=list_of_str),
}
CERTIFICATE_SCHEMA = {
    "design": Field(str, required=True),
    "kind": Field(str, default="zertifikat", check=one_of("zertifikat", "teilnahmebescheinigung")),
    "prefix": Field(str, required=True, check=_prefix_check),
    "validity_years": Field(int, default=None, check=positive),
}
COMPLETION_SCHEMA = {
    "quizzes": Field(str, default="all", check=one_of("all", "none")),
    "assignments": Field(str, default="all", check=one_of("all", "none")),
    "trainer_approval": Field(bool, default=False),
    # percent of the cohort's held live sessions a learner must attend (app.sessions); 0 = no minimum
    "min_attendance": Field(float, default=0.0, check=lambda v: None if 0 <= v <= 100 else "must lie between 0 and 100"),
}
MODULE_SCHEMA = {
    "title": Field(str, required=True),
    "summary": Field(str, default=""),
    "hours": Field(float, required=True, check=positive),
    "objectives": Field(list, default=[], check=list_of_str),
    "prerequisites": Field(list, default=[], check=list_of_str),
    "final_project": Field(bool, default=False),
}
LESSON_SCHEMA = {
    "title": Field(str, required=True),
    "minutes": Field(int, default=0, check=non_negative),
}
QUIZ_SCHEMA = {
    "title": Field(str, required=True),
    "pass_mark": Field(float, default=75.0, check=lambda v: None if 0 < v <= 100 else "must lie between 1 and 100"),
    "max_attempts": Field(int, default=0, check=non_negative),
    "wait_minutes": Field(int, default=0, check=non_negative),
    "time_limit_minutes": Field(int, default=0, check=non_negative),
    "shuffle": Field(bool, default=False),
}
ASSIGNMENT_SCHEMA = {
    "title": Field(str, required=True),
    "submission": Field(str, default="both", check=one_of("text", "files", "both")),
    "file_types": Field(list, default=list(FILE_TYPES), check=lambda v: None if all(t in FILE_TYPES for t in v) else f"allowed types are {', '.join(FILE_TYPES)}"),
    "max_file_mb": Field(float, default=20.0, check=positive),
    "due_days": Field(int, default=14, check=non_negative),
    "late": Field(str, default="allow", check=one_of("allow", "refuse")),
    "required": Field(bool, default=True),
    "pass_points": Field(float, required=True, check=non_negative),
    "rubric": Field(list, required=True),
}


class _Inventory:
    """What exists in the course folder, so links can be checked before anything is rendered."""

    def __init__(self, slug: str, root: Path, urls: CourseUrls):
        self.slug = slug
        self.root = root
        self.urls = urls
        self.targets: dict[str, str] = {}  # "module/file.md" → URL
        self.media: dict[str, Path] = {}   # "module/media/file" → path

    def resolver(self, module: str, problems: Problems) -> "_Resolver":
        return _Resolver(self, module, problems)


class _Resolver:
    def __init__(self, inventory: _Inventory, module: str, problems: Problems):
        self.inventory = inventory
        self.module = module
        self.problems = problems

    def _normalise(self, target: str, line: int) -> str | None:
        path = posixpath.normpath(posixpath.join(self.module, target))
        if path.startswith("../") or path == ".." or posixpath.isabs(target):
            self.problems.error(line, f"link points outside the course: {target}")
            return None
        return path

    def link(self, href: str, line: int) -> str | None:
        target, _, fragment = href.partition("#")
        path = self._normalise(target, line)
        if path is None:
            return None
        suffix = f"#{fragment}" if fragment else ""
        if path in self.inventory.targets:
            return self.inventory.targets[path] + suffix
        if path in self.inventory.media:
            return self.inventory.urls.media(self.inventory.slug, path)
        self.problems.error(line, f"link target not found: {target}")
        return None

    def image(self, src: str, line: int) -> str | None:
        path = self._normalise(src, line)
        if path is None:
            return None
        if path not in self.inventory.media:
            self.problems.error(line, f"image not found in media/: {src}")
            return None
        if Path(path).suffix.lower() not in IMAGE_TYPES:
            self.problems.error(line, f"image type not supported (use {', '.join(IMAGE_TYPES)}): {src}")
            return None
        return self.inventory.urls.media(self.inventory.slug, path)

    def problem(self, line: int, message: str) -> None:
        self.problems.error(line, message)


def _list_item_line(text: str, value: str, default: int) -> int:
    """Line of a '- value' list item after the `default` line (the key that holds the list)."""
    for number, raw in enumerate(text.split("\n"), start=1):
        if number > default and raw.strip().lstrip("-").strip().strip("'\"") == value:
            return number
    return default


def _read_text(path: Path, rel: str, sink: list[Problem]) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        sink.append(Problem(rel, 1, f"cannot read file: {exc.strerror}"))
        return None
    if b"\x00" in raw:
        sink.append(Problem(rel, 1, "file is binary, not UTF-8 text"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        sink.append(Problem(rel, line, "file is not valid UTF-8 text"))
        return None
    return text.lstrip("\ufeff").replace("\r\n", "\n")


def _load_yaml_file(path: Path, rel: str, schema: dict, sink: list[Problem], what: str) -> dict | None:
    text = _read_text(path, rel, sink)
    if text is None:
        return None
    problems = Problems(sink, rel)
    before = len(sink)
    data = parse_yaml(text, problems)
    if len(sink) > before:
        return None
    return check_mapping(data, schema, problems, key_lines(text, 1), 1, what)


def _load_markdown_file(path: Path, rel: str, schema: dict, sink: list[Problem], what: str):
    """Returns (meta, body, body_first_line, text) or None."""
    text = _read_text(path, rel, sink)
    if text is None:
        return None
    problems = Problems(sink, rel)
    source, body, body_line = split_front_matter(text, problems)
    if source is None:
        if body or not text.strip().startswith("---"):
            problems.error(1, f"{what} must start with a front matter block: '---', 'title: …', '---'")
        return None
    before = len(sink)
    data = parse_yaml(source, problems, first_line=2)
    if len(sink) > before:
        return None
    meta = check_mapping(data, schema, problems, key_lines(source, 2), 1, f"{what} front matter")
    return meta, body, body_line


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
    meta = _load_yaml_file(root / "course.yml", f"{rel_root}/course.yml", COURSE_SCHEMA, sink, "course.yml")
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
        line = _list_item_line(course_text, name, lines.get("modules", 1))
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

    inventory = _Inventory(slug, root, urls)
    plans: dict[str, dict] = {}
    for module in module_slugs:
        plans[module] = _plan_module(root / module, module, inventory, sink, rel_root)

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


def _plan_module(folder: Path, module: str, inventory: _Inventory, sink: list[Problem], rel_root: str) -> dict:
    lessons, assignments, quiz = [], [], None
    for path in sorted(folder.iterdir()):
        rel = f"{module}/{path.name}"
        if path.is_dir():
            if path.name == "media":
                for media in sorted(path.rglob("*")):
                    if media.is_file():
                        inventory.media[f"{module}/{media.relative_to(folder).as_posix()}"] = media
            else:
                sink.append(Problem(f"{rel_root}/{rel}", 1, "unexpected folder: a module holds Markdown files and media/", "warning"))
            continue
        if path.name == "module.yml":
            continue
        if path.name == "quiz.md":
            quiz = path
            inventory.targets[rel] = inventory.urls.quiz(inventory.slug, module)
        elif match := ASSIGNMENT_FILE.match(path.name):
            assignments.append((match.group(1), path))
            inventory.targets[rel] = inventory.urls.assignment(inventory.slug, module, match.group(1))
        elif (match := LESSON_FILE.match(path.name)) and match.group(2) in RESERVED_SLUGS:
            sink.append(Problem(f"{rel_root}/{rel}", 1, f"'{match.group(2)}' is reserved for the module's own pages; rename the lesson file"))
        elif match := LESSON_FILE.match(path.name):
            lessons.append((match.group(2), path))
            inventory.targets[rel] = inventory.urls.lesson(inventory.slug, module, match.group(2))
        elif path.suffix == ".md":
            sink.append(Problem(f"{rel_root}/{rel}", 1, "lesson file names are lowercase letters, digits and '-', e.g. 01-einfuehrung.md"))
        elif not path.name.startswith("."):
            sink.append(Problem(f"{rel_root}/{rel}", 1, "unexpected file: put images and downloads into media/", "warning"))
    slugs = [s for s, _ in lessons]
    for duplicate in {s for s in slugs if slugs.count(s) > 1}:
        sink.append(Problem(f"{rel_root}/{module}", 1, f"two lessons share the id {duplicate!r} (file names differ only in their number)"))
    return {"lessons": lessons, "assignments": assignments, "quiz": quiz}


def _load_module(folder, module, position, plan, inventory, sink, rel_root, earlier) -> ModuleData | None:
    rel_yml = f"{rel_root}/{module}/module.yml"
    if not (folder / "module.yml").is_file():
        sink.append(Problem(rel_yml, 1, "module.yml is missing"))
        return None
    meta = _load_yaml_file(folder / "module.yml", rel_yml, MODULE_SCHEMA, sink, "module.yml")
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
    loaded = _load_markdown_file(path, rel, LESSON_SCHEMA, sink, "a lesson")
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
    loaded = _load_markdown_file(path, rel, QUIZ_SCHEMA, sink, "a quiz")
    if loaded is None:
        return None
    meta, body, body_line = loaded
    problems = Problems(sink, rel)
    intro_html, questions = parse_quiz_body(body, body_line, problems)
    settings = {k: meta[k] for k in ("pass_mark", "max_attempts", "wait_minutes", "time_limit_minutes", "shuffle")}
    return QuizData("quiz", meta["title"] or "", settings, intro_html, questions, _rendered_hash(path))


def _load_assignment(path, slug, position, module, inventory, sink, rel_root) -> AssignmentData | None:
    rel = f"{rel_root}/{module}/{path.name}"
    loaded = _load_markdown_file(path, rel, ASSIGNMENT_SCHEMA, sink, "an assignment")
    if loaded is None:
        return None
    meta, body, body_line = loaded
    problems = Problems(sink, rel)
    source = path.read_text(encoding="utf-8").split("\n---", 1)[0]
    rubric_line = key_lines(source, 1).get("rubric", 1)
    rubric = _check_rubric(meta["rubric"] or [], problems, rubric_line)
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


def _check_rubric(rubric: list, problems: Problems, line: int) -> list[dict] | None:
    if not rubric:
        problems.error(line, "the rubric needs at least one criterion")
        return None
    result = []
    for n, criterion in enumerate(rubric, start=1):
        where = f"rubric criterion {n}"
        if not isinstance(criterion, dict) or not isinstance(criterion.get("criterion"), str):
            problems.error(line, f"{where} needs 'criterion: Name' and 'levels:'")
            return None
        unknown = set(criterion) - {"criterion", "description", "levels"}
        if unknown:
            problems.error(line, f"{where}: unknown attribute {sorted(unknown)[0]!r} (known: criterion, description, levels)")
            return None
        levels = criterion.get("levels")
        if not isinstance(levels, list) or len(levels) < 2:
            problems.error(line, f"{where} ({criterion['criterion']}) needs at least two levels")
            return None
        checked = []
        for m, level in enumerate(levels, start=1):
            if not isinstance(level, dict) or set(level) - {"points", "label", "description"}:
                problems.error(line, f"{where}, level {m}: write points:, label: and description:")
                return None
            points = level.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                problems.error(line, f"{where}, level {m}: points must be a number of 0 or more")
                return None
            if not isinstance(level.get("label"), str) or not level["label"].strip():
                problems.error(line, f"{where}, level {m} needs a label")
                return None
            checked.append({"points": float(points), "label": level["label"].strip(), "description": str(level.get("description") or "").strip()})
        result.append({"id": f"c{n}", "criterion": criterion["criterion"].strip(), "description": str(criterion.get("description") or "").strip(), "levels": checked})
    return result
