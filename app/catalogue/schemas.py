"""What the course files may contain (docs/course-format.md): the keys of course.yml and
module.yml and of the front matter of lessons, quizzes and assignments, with their types, defaults
and checks, and the shape of an assignment's rubric. Checked by frontmatter.check_mapping."""
from __future__ import annotations

import re

from app.catalogue.frontmatter import Field, Problems, list_of_str, non_negative, one_of, positive

FILE_TYPES = ("pdf", "docx", "odt", "xlsx", "ods", "pptx", "odp", "png", "jpg")


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


def check_rubric(rubric: list, problems: Problems, line: int) -> list[dict] | None:
    """The rubric as stored (criteria with ids c1, c2, … and levels with float points), or None after
    reporting the first problem at `line` (the rubric key's line)."""
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
