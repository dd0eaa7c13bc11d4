"""Parses the body of a quiz file: one `##` heading per question with `{#id type=… points=…}`,
the question text, an answer list and an optional explanation block quote.

Produces plain dicts (JSON-safe, stored with the quiz) holding the correct answers; the scoring
code in app.quizzes.scoring reads the same dicts."""
from __future__ import annotations

import re

from app.catalogue.frontmatter import Problems
from app.catalogue.markdown import render, render_inline

QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "matching", "ordering")
ATTRIBUTES = {"id", "type", "points", "scoring", "answer", "tolerance", "min", "max"}
_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*$")
_ATTR_BLOCK = re.compile(r"\{([^{}]*)\}\s*$")
_ATTR_TOKEN = re.compile(r'#([A-Za-z0-9][A-Za-z0-9_-]*)|([A-Za-z_]+)=("([^"]*)"|\S+)|(\S+)')
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_BULLET = re.compile(r"^([-*+])\s+(.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
_TASK = re.compile(r"^\[([ xX])\]\s+(.*)$")
_WEIGHT = re.compile(r"\s*\{weight=(-?\d+(?:\.\d+)?)\}\s*$")


def parse_attributes(text: str, line: int, problems: Problems) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR_TOKEN.finditer(text):
        ident, key, _raw, quoted, junk = match.groups()
        if ident:
            attrs["id"] = ident
        elif key:
            if key not in ATTRIBUTES:
                problems.error(line, f"unknown question attribute {key!r} (known: {', '.join(sorted(ATTRIBUTES))})")
                continue
            attrs[key] = quoted if quoted is not None else match.group(3)
        elif junk:
            problems.error(line, f"cannot read question attribute {junk!r}: write #id or key=value")
    return attrs


def _number(value: str | None, name: str, line: int, problems: Problems) -> float | None:
    if value is None:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        problems.error(line, f"{name}= must be a number, not {value!r}")
        return None


def parse_quiz_body(body: str, first_line: int, problems: Problems) -> tuple[str, list[dict]]:
    """Returns (intro html, questions). `first_line` is the file line of the body's first line."""
    lines = body.split("\n")
    starts = [i for i, raw in enumerate(lines) if _HEADING.match(raw)]
    intro_text = "\n".join(lines[: starts[0]] if starts else lines).strip()
    intro_html = render(intro_text).html if intro_text else ""
    questions: list[dict] = []
    seen: dict[str, int] = {}
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        question = _parse_question(lines[start:end], first_line + start, problems)
        if question is None:
            continue
        if question["id"] in seen:
            problems.error(first_line + start, f"duplicate question id {question['id']!r} (first used on line {seen[question['id']]})")
            continue
        seen[question["id"]] = first_line + start
        questions.append(question)
    if not questions and not any(p.severity == "error" and p.path == problems.path for p in problems.sink):
        problems.error(first_line, "the quiz has no questions: start each question with '## Frage {#id type=single}'")
    return intro_html, questions


def _split_section(section: list[str]) -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[tuple[int, str]]]:
    """Splits question lines (without heading) into prompt, answer list and explanation."""
    numbered = list(enumerate(section))
    while numbered and not numbered[-1][1].strip():
        numbered.pop()
    explanation: list[tuple[int, str]] = []
    while numbered and (numbered[-1][1].startswith(">") or (not numbered[-1][1].strip() and explanation)):
        explanation.insert(0, numbered.pop())
    while explanation and not explanation[0][1].strip():
        explanation.pop(0)
    while numbered and not numbered[-1][1].strip():
        numbered.pop()
    answer: list[tuple[int, str]] = []
    while numbered:
        raw = numbered[-1][1]
        if _BULLET.match(raw) or _NUMBERED.match(raw) or raw.startswith((" ", "\t")) or not raw.strip():
            answer.insert(0, numbered.pop())
        else:
            break
    while answer and not answer[0][1].strip():
        answer.pop(0)
    # An indented block with no list marker at its top belongs to the prompt, not the answers.
    while answer and not (_BULLET.match(answer[0][1]) or _NUMBERED.match(answer[0][1])):
        numbered.append(answer.pop(0))
    return numbered, answer, explanation


def _list_items(answer: list[tuple[int, str]], base_line: int) -> list[dict]:
    items: list[dict] = []
    for offset, raw in answer:
        bullet, numbered = _BULLET.match(raw), _NUMBERED.match(raw)
        if bullet or numbered:
            items.append({
                "line": base_line + offset,
                "marker": "number" if numbered else "bullet",
                "order": int(numbered.group(1)) if numbered else None,
                "text": (bullet or numbered).group(2).strip(),
                "feedback": [],
                "more": [],
            })
        elif items and raw.strip():
            stripped = raw.strip()
            if stripped.startswith(">"):
                items[-1]["feedback"].append(stripped[1:].lstrip())
            else:
                items[-1]["more"].append(stripped)
    return items


def _strip_quote(lines: list[tuple[int, str]]) -> str:
    return "\n".join(raw[1:].lstrip() if raw.startswith(">") else raw for _, raw in lines).strip()


def _parse_question(section: list[str], line: int, problems: Problems) -> dict | None:
    heading = _HEADING.match(section[0]).group(1)
    attr_match = _ATTR_BLOCK.search(heading)
    if not attr_match:
        problems.error(line, "question heading needs attributes at its end, e.g. {#frage-1 type=single}")
        return None
    title = heading[: attr_match.start()].strip()
    attrs = parse_attributes(attr_match.group(1), line, problems)
    if not title:
        problems.error(line, "question heading has no text")
    qid = attrs.get("id")
    if not qid:
        problems.error(line, "question needs a stable id: add #some-id to the heading attributes")
        return None
    if not _ID.match(qid):
        problems.error(line, f"question id {qid!r} may contain only letters, digits, '-' and '_'")
        return None
    qtype = attrs.get("type")
    if qtype not in QUESTION_TYPES:
        problems.error(line, f"question {qid!r}: type= must be one of {', '.join(QUESTION_TYPES)}" + (f", not {qtype!r}" if qtype else ""))
        return None
    points = _number(attrs.get("points", "1"), "points", line, problems)
    if points is None or points <= 0:
        if points is not None:
            problems.error(line, f"question {qid!r}: points= must be greater than 0")
        return None

    prompt_lines, answer_lines, explanation_lines = _split_section(section[1:])
    prompt = "\n".join(raw for _, raw in prompt_lines).strip()
    items = _list_items(answer_lines, line + 1)
    question: dict = {
        "id": qid,
        "type": qtype,
        "points": points,
        "title": title,
        "title_html": render_inline(title),
        "prompt": prompt,
        "prompt_html": render(prompt).html if prompt else "",
        "explanation": _strip_quote(explanation_lines) if explanation_lines else "",
        "explanation_html": render(_strip_quote(explanation_lines)).html if explanation_lines else "",
    }
    if not explanation_lines:
        problems.warning(line, f"question {qid!r} has no explanation ('> …' after the answers)")
    for key in ("answer", "tolerance", "min", "max") if qtype != "numeric" else ():
        if key in attrs:
            problems.error(line, f"question {qid!r}: {key}= only applies to numeric questions")
    if "scoring" in attrs and qtype != "multiple":
        problems.error(line, f"question {qid!r}: scoring= only applies to multiple-choice questions")
    ok = _TYPE_PARSERS[qtype](question, attrs, items, line, problems)
    return question if ok else None


def _choice_options(question: dict, items: list[dict], line: int, problems: Problems) -> list[dict] | None:
    options = []
    for n, item in enumerate(items, start=1):
        task = _TASK.match(item["text"])
        if item["marker"] != "bullet" or not task:
            problems.error(item["line"], f"question {question['id']!r}: options are task-list items, '- [x] richtig' or '- [ ] falsch'")
            return None
        text = " ".join([task.group(2), *item["more"]])
        weight = None
        weight_match = _WEIGHT.search(text)
        if weight_match:
            weight = float(weight_match.group(1))
            text = text[: weight_match.start()]
            if not -100 <= weight <= 100:
                problems.error(item["line"], f"question {question['id']!r}: weight must lie between -100 and 100")
                return None
        if not text.strip():
            problems.error(item["line"], f"question {question['id']!r}: option has no text")
            return None
        options.append({
            "id": f"o{n}",
            "text": text.strip(),
            "html": render_inline(text.strip()),
            "correct": task.group(1).lower() == "x",
            "weight": weight,
            "feedback": "\n".join(item["feedback"]),
            "feedback_html": render("\n".join(item["feedback"])).html if item["feedback"] else "",
        })
    if len(options) < 2:
        problems.error(line, f"question {question['id']!r} needs at least two options")
        return None
    texts = [o["text"] for o in options]
    if len(set(texts)) != len(texts):
        problems.error(line, f"question {question['id']!r} lists the same option twice")
        return None
    return options


def _parse_single(question, attrs, items, line, problems) -> bool:
    options = _choice_options(question, items, line, problems)
    if options is None:
        return False
    if question["type"] == "truefalse" and len(options) != 2:
        problems.error(line, f"question {question['id']!r}: a true/false question has exactly two options")
        return False
    if sum(o["correct"] for o in options) != 1:
        problems.error(line, f"question {question['id']!r}: mark exactly one option as correct with [x]")
        return False
    question["options"] = options
    return True


def _parse_multiple(question, attrs, items, line, problems) -> bool:
    options = _choice_options(question, items, line, problems)
    if options is None:
        return False
    scoring = attrs.get("scoring", "partial")
    if scoring not in ("partial", "all"):
        problems.error(line, f"question {question['id']!r}: scoring= must be partial or all")
        return False
    if not any(o["correct"] for o in options):
        problems.error(line, f"question {question['id']!r}: mark at least one option as correct with [x]")
        return False
    if any(o["weight"] is not None for o in options):
        if any(o["weight"] is None for o in options):
            problems.error(line, f"question {question['id']!r}: give every option a weight, or none")
            return False
        if sum(o["weight"] for o in options if o["weight"] > 0) <= 0:
            problems.error(line, f"question {question['id']!r}: the weights give no points")
            return False
        scoring = "weighted"
    question["options"] = options
    question["scoring"] = scoring
    return True


def _parse_short(question, attrs, items, line, problems) -> bool:
    accepted = []
    for item in items:
        if item["marker"] != "bullet" or _TASK.match(item["text"]):
            problems.error(item["line"], f"question {question['id']!r}: accepted answers are a plain list, '- Antwort'")
            return False
        accepted.append(item["text"])
    if not accepted:
        problems.error(line, f"question {question['id']!r} needs at least one accepted answer ('- Antwort')")
        return False
    question["accepted"] = accepted
    return True


def _parse_numeric(question, attrs, items, line, problems) -> bool:
    answer = _number(attrs.get("answer"), "answer", line, problems)
    tolerance = _number(attrs.get("tolerance"), "tolerance", line, problems)
    low = _number(attrs.get("min"), "min", line, problems)
    high = _number(attrs.get("max"), "max", line, problems)
    if items:
        problems.error(items[0]["line"], f"question {question['id']!r}: a numeric question takes answer= and tolerance= (or min= and max=), not a list")
        return False
    if answer is not None and (low is not None or high is not None):
        problems.error(line, f"question {question['id']!r}: give answer= (with tolerance=) or min= and max=, not both")
        return False
    if answer is not None:
        tolerance = tolerance or 0.0
        if tolerance < 0:
            problems.error(line, f"question {question['id']!r}: tolerance= must not be negative")
            return False
        low, high = answer - tolerance, answer + tolerance
    elif low is None or high is None:
        problems.error(line, f"question {question['id']!r}: a numeric question needs answer= or both min= and max=")
        return False
    if low > high:
        problems.error(line, f"question {question['id']!r}: min= is greater than max=")
        return False
    question.update({"answer": answer, "tolerance": tolerance, "min": low, "max": high})
    return True


def _parse_matching(question, attrs, items, line, problems) -> bool:
    pairs = []
    for n, item in enumerate(items, start=1):
        text = " ".join([item["text"], *item["more"]])
        if item["marker"] != "bullet" or " -> " not in text:
            problems.error(item["line"], f"question {question['id']!r}: write each pair as '- Begriff -> Zuordnung'")
            return False
        left, right = (part.strip() for part in text.split(" -> ", 1))
        if not left or not right:
            problems.error(item["line"], f"question {question['id']!r}: both sides of '->' need text")
            return False
        pairs.append({"id": f"p{n}", "left": left, "left_html": render_inline(left), "right": right, "right_html": render_inline(right)})
    if len(pairs) < 2:
        problems.error(line, f"question {question['id']!r} needs at least two pairs")
        return False
    if len({p["left"] for p in pairs}) != len(pairs):
        problems.error(line, f"question {question['id']!r}: the left sides of the pairs must differ")
        return False
    question["pairs"] = pairs
    return True


def _parse_ordering(question, attrs, items, line, problems) -> bool:
    entries = []
    for n, item in enumerate(items, start=1):
        if item["marker"] != "number":
            problems.error(item["line"], f"question {question['id']!r}: list the items as a numbered list in the right order")
            return False
        text = " ".join([item["text"], *item["more"]])
        entries.append({"id": f"i{n}", "text": text, "html": render_inline(text)})
    if len(entries) < 2:
        problems.error(line, f"question {question['id']!r} needs at least two items to order")
        return False
    if len({e["text"] for e in entries}) != len(entries):
        problems.error(line, f"question {question['id']!r} lists the same item twice")
        return False
    question["items"] = entries
    return True


_TYPE_PARSERS = {
    "single": _parse_single,
    "truefalse": _parse_single,
    "multiple": _parse_multiple,
    "short": _parse_short,
    "numeric": _parse_numeric,
    "matching": _parse_matching,
    "ordering": _parse_ordering,
}
