"""YAML front matter and small YAML files, read and checked against a schema, with problems by line."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

# LibYAML's C parser when PyYAML was built with it (the PyPI wheels are): several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


class Problems:
    """Collects problems for one file; `line` is 1-based in the file."""

    def __init__(self, sink: list[Problem], path: str):
        self.sink = sink
        self.path = path

    def error(self, line: int, message: str) -> None:
        self.sink.append(Problem(self.path, line, message, "error"))

    def warning(self, line: int, message: str) -> None:
        self.sink.append(Problem(self.path, line, message, "warning"))


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    required: bool = False
    default: Any = None
    check: Callable[[Any], str | None] | None = None  # returns an error message or None


def split_front_matter(text: str, problems: Problems) -> tuple[str | None, str, int]:
    """Returns (yaml text or None, body, line number where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    problems.error(1, "front matter starts with '---' but is never closed by a second '---' line")
    return None, "", len(lines) + 1


def parse_yaml(source: str, problems: Problems, first_line: int = 1) -> Any:
    """`first_line` is the file line of the YAML text's first line."""
    try:
        return yaml.load(source, Loader=_Loader)  # noqa: S506  # nosec B506 - _Loader is yaml's (C)SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problems.error(line, f"invalid YAML: {exc.problem or exc.context}")
    except yaml.YAMLError as exc:
        problems.error(first_line, f"invalid YAML: {exc}")
    return None


def key_lines(source: str, first_line: int) -> dict[str, int]:
    """File line of each top-level key, for messages about a key's value."""
    lines: dict[str, int] = {}
    for offset, raw in enumerate(source.split("\n")):
        if raw and not raw[0].isspace() and ":" in raw and not raw.startswith("#"):
            lines.setdefault(raw.split(":", 1)[0].strip().strip("'\""), first_line + offset)
    return lines


def check_mapping(data: Any, schema: dict[str, Field], problems: Problems, lines: dict[str, int], first_line: int, what: str) -> dict:
    """Validates a mapping against the schema; returns a dict with defaults filled in."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.error(first_line, f"{what} must be a mapping of 'key: value' lines")
        return {key: f.default for key, f in schema.items()}
    result: dict = {}
    for key in data:
        if key not in schema:
            known = ", ".join(sorted(schema))
            problems.error(lines.get(str(key), first_line), f"unknown attribute {key!r} in {what} (known: {known})")
    for key, spec in schema.items():
        line = lines.get(key, first_line)
        if key not in data or data[key] is None:
            if spec.required:
                problems.error(first_line, f"{what} needs {key!r}")
            result[key] = spec.default
            continue
        value = data[key]
        kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds:
            problems.error(line, f"{key!r} must be {_kind_name(kinds)}, not true/false")
            result[key] = spec.default
            continue
        if not isinstance(value, kinds):
            problems.error(line, f"{key!r} must be {_kind_name(kinds)}")
            result[key] = spec.default
            continue
        if spec.check:
            message = spec.check(value)
            if message:
                problems.error(line, f"{key!r}: {message}")
                result[key] = spec.default
                continue
        result[key] = value
    return result


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false", list: "a list", dict: "a mapping"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def non_negative(value: float) -> str | None:
    return "must not be negative" if value < 0 else None


def positive(value: float) -> str | None:
    return "must be greater than 0" if value <= 0 else None


def one_of(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return check


def list_of_str(value: list) -> str | None:
    return None if all(isinstance(v, str) and v.strip() for v in value) else "every entry must be a non-empty text"


# -- files ---------------------------------------------------------------------------------------

def read_text(path: Path, rel: str, sink: list[Problem]) -> str | None:
    """The file as text (UTF-8, without BOM, LF line ends), or None after reporting why not."""
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


def load_yaml_file(path: Path, rel: str, schema: dict, sink: list[Problem], what: str) -> dict | None:
    """A YAML file (course.yml, module.yml) checked against `schema`, or None after reporting why not."""
    text = read_text(path, rel, sink)
    if text is None:
        return None
    problems = Problems(sink, rel)
    before = len(sink)
    data = parse_yaml(text, problems)
    if len(sink) > before:
        return None
    return check_mapping(data, schema, problems, key_lines(text, 1), 1, what)


def load_markdown_file(path: Path, rel: str, schema: dict, sink: list[Problem], what: str):
    """Returns (meta, body, body_first_line, text) or None."""
    text = read_text(path, rel, sink)
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


def list_item_line(text: str, value: str, default: int) -> int:
    """Line of a '- value' list item after the `default` line (the key that holds the list)."""
    for number, raw in enumerate(text.split("\n"), start=1):
        if number > default and raw.strip().lstrip("-").strip().strip("'\"") == value:
            return number
    return default
