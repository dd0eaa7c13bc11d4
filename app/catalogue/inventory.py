"""What a course folder holds and where it links: which files are lessons, the quiz,
assignments and media (by their names), the URL each gets (`CourseUrls`), and the resolver that
checks the links and images of a Markdown text against that inventory before anything is stored."""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

from app.catalogue.frontmatter import Problem, Problems

LESSON_FILE = re.compile(r"^(?:(\d+)-)?([a-z0-9][a-z0-9-]*)\.md$")
ASSIGNMENT_FILE = re.compile(r"^assignment-([a-z0-9][a-z0-9-]*)\.md$")
RESERVED_SLUGS = {"quiz", "aufgaben", "erledigt"}  # URL segments of the module's own pages
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


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



class Inventory:
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
    def __init__(self, inventory: Inventory, module: str, problems: Problems):
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


def plan_module(folder: Path, module: str, inventory: Inventory, sink: list[Problem], rel_root: str) -> dict:
    """Sorts a module folder's files into lessons, assignments and the quiz, and records them and
    its media in the inventory (so links between modules resolve whatever the loading order)."""
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
