"""Moodle GIFT ↔ our quiz Markdown (see docs/course-format.md).

`gift_to_markdown` converts a GIFT file into a quiz.md text and reports, with its line, every
question or detail it cannot convert. `quiz_to_gift` writes parsed quiz questions (the dicts of
app.catalogue.quizfile) back out as GIFT. Pure: no Flask, no database."""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.catalogue.markdown import slugify

SPECIAL = "~=#{}:"
_PLACEHOLDER = "\u0000"


@dataclass(frozen=True)
class Note:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


def _unescape(text: str) -> str:
    text = text.replace("\\n", "\n")
    return re.sub(r"\\([~=#{}:\\])", r"\1", text).strip()


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _split_unescaped(text: str, separators: str) -> list[tuple[str, str]]:
    """Splits at unescaped separator characters; returns (separator, chunk) pairs."""
    parts: list[tuple[str, str]] = []
    current, sep, i = [], "", 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if char in separators:
            if current or sep:
                parts.append((sep, "".join(current)))
            current, sep = [], char
        else:
            current.append(char)
        i += 1
    if current or sep:
        parts.append((sep, "".join(current)))
    return parts


def _find_unescaped(text: str, char: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def _blocks(source: str) -> list[tuple[int, str]]:
    """Question blocks (separated by blank lines outside braces) with their first line."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 1
    depth = 0
    for number, raw in enumerate(source.split("\n"), start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("//") and depth == 0:
            continue
        if not line.strip() and depth == 0:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
        stripped = re.sub(r"\\.", "", line)
        depth += stripped.count("{") - stripped.count("}")
        depth = max(depth, 0)
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def _text_format(text: str, line: int, notes: list[Note]) -> str:
    match = re.match(r"^\s*\[(markdown|html|plain|moodle)\]", text)
    if not match:
        return text
    kind, text = match.group(1), text[match.end():]
    if kind == "html":
        if re.search(r"<[a-zA-Z/]", text):
            notes.append(Note(line, "HTML formatting was converted to plain text (raw HTML is off)"))
        text = re.sub(r"<br\s*/?>", "\n", text)
        text = re.sub(r"</p>\s*<p>", "\n\n", text)
        text = re.sub(r"<[^>]+>", "", text)
    return text


@dataclass
class _Answer:
    sign: str
    text: str
    weight: float | None
    feedback: str


def _answers(body: str) -> tuple[list[_Answer], str]:
    general = ""
    index = body.find("####")
    while index > 0 and body[index - 1] == "\\":
        index = body.find("####", index + 4)
    if index >= 0:
        body, general = body[:index], _unescape(body[index + 4:])
    answers = []
    for sign, chunk in _split_unescaped(body, "=~"):
        if not sign:
            if chunk.strip():
                answers.append(_Answer("?", chunk, None, ""))
            continue
        weight = None
        match = re.match(r"^\s*%(-?\d+(?:\.\d+)?)%", chunk)
        if match:
            weight, chunk = float(match.group(1)), chunk[match.end():]
        hash_at = _find_unescaped(chunk, "#")
        feedback = ""
        if hash_at >= 0:
            chunk, feedback = chunk[:hash_at], _unescape(chunk[hash_at + 1:])
        answers.append(_Answer(sign, chunk, weight, feedback))
    return answers, general


def _fmt(number: float) -> str:
    return f"{number:g}"


def gift_to_markdown(source: str, title: str = "Importierter Test") -> tuple[str, list[Note]]:
    notes: list[Note] = []
    out = [f"---\ntitle: \"{title}\"\npass_mark: 75\n---\n"]
    seen: set[str] = set()
    for line, block in _blocks(source.replace("\r\n", "\n").lstrip("\ufeff")):
        if block.startswith("$CATEGORY:"):
            category = block.split(":", 1)[1].strip()
            notes.append(Note(line, f"category '{category}' noted; categories have no equivalent and are not kept"))
            continue
        question = _convert(block, line, notes, seen)
        if question:
            out.append(question)
    return "\n".join(part for part in out if part).rstrip() + "\n", notes


def _convert(block: str, line: int, notes: list[Note], seen: set[str]) -> str | None:
    text = block
    name = ""
    match = re.match(r"^\s*::(.*?)(?<!\\)::", text, re.S)
    if match:
        name, text = _unescape(match.group(1)), text[match.end():]
    open_at = _find_unescaped(text, "{")
    if open_at < 0:
        notes.append(Note(line, "no answer block {…}: description or unsupported question skipped"))
        return None
    close_at = _find_unescaped(text, "}", open_at)
    if close_at < 0:
        notes.append(Note(line, "answer block is not closed with '}'"))
        return None
    before = _text_format(text[:open_at], line, notes)
    after = text[close_at + 1:].strip()
    body = text[open_at + 1:close_at].strip()
    prompt = _unescape(before)
    if after:
        prompt = f"{prompt} ____ {_unescape(after)}".strip()
    title = name or (prompt.split("\n", 1)[0][:80] if prompt else "")
    if not title:
        notes.append(Note(line, "question without text skipped"))
        return None
    if title == prompt:
        prompt = ""
    base = slugify(name or title)[:50].strip("-") or "frage"
    qid, n = base, 2
    while qid in seen:
        qid, n = f"{base}-{n}", n + 1
    seen.add(qid)

    def heading(attrs: str) -> str:
        clean = title.replace("\n", " ").replace("{", "(").replace("}", ")")
        return f"## {clean} {{#{qid} {attrs}}}\n" + (f"\n{prompt}" if prompt else "")

    def explanation(general: str) -> str:
        return "\n" + "\n".join(f"> {l}" if l else ">" for l in general.split("\n")) + "\n" if general else ""

    if not body:
        notes.append(Note(line, f"question '{title}': essay questions cannot be converted (no automatic scoring)"))
        return None
    if body.startswith("#"):
        return _numeric(body[1:], heading, explanation, line, notes, title)
    tf_body, _sep, tf_general = body.partition("####")
    tf = re.fullmatch(r"(T|F|TRUE|FALSE)\s*(?:#([^#]*))?(?:#([^#]*))?", tf_body.strip(), re.S)
    if tf:
        truth = tf.group(1).startswith("T")
        wrong_fb, right_fb = (_unescape(g or "") for g in tf.groups()[1:])
        general = _unescape(tf_general)
        lines = [heading("type=truefalse"), ""]
        for label, correct in (("Wahr", truth), ("Falsch", not truth)):
            lines.append(f"- [{'x' if correct else ' '}] {label}")
            feedback = right_fb if correct else wrong_fb
            if feedback:
                lines.append(f"  > {feedback}")
        return "\n".join(lines) + "\n" + explanation(general)
    answers, general = _answers(body)
    if not answers or any(a.sign == "?" for a in answers):
        notes.append(Note(line, f"question '{title}': cannot read the answers"))
        return None
    if any("->" in a.text for a in answers):
        lines = [heading("type=matching"), ""]
        for answer in answers:
            if "->" not in answer.text:
                notes.append(Note(line, f"question '{title}': matching answer without '->' skipped"))
                continue
            left, right = (_unescape(p) for p in answer.text.split("->", 1))
            if not left:
                notes.append(Note(line, f"question '{title}': extra distractor '{right}' dropped (matching needs a pair)"))
                continue
            lines.append(f"- {left} -> {right}")
        return "\n".join(lines) + "\n" + explanation(general)
    if all(a.sign == "=" for a in answers):  # GIFT: only '=' answers make a short-answer question
        if any(a.weight not in (None, 100) for a in answers):
            notes.append(Note(line, f"question '{title}': partial credit on short answers is not supported; only full-credit answers kept"))
        accepted = [a for a in answers if a.weight in (None, 100)]
        lines = [heading("type=short"), ""] + [f"- {_unescape(a.text)}" for a in accepted]
        return "\n".join(lines) + "\n" + explanation(general)
    weighted = any(a.weight is not None for a in answers)
    correct = [a for a in answers if a.sign == "=" or (a.weight or 0) > 0]
    kind = "multiple" if weighted or len(correct) != 1 else "single"
    lines = [heading(f"type={kind}"), ""]
    for answer in answers:
        mark = "x" if answer.sign == "=" or (answer.weight or 0) > 0 else " "
        suffix = ""
        if kind == "multiple" and weighted:
            weight = answer.weight if answer.weight is not None else (100.0 if answer.sign == "=" else 0.0)
            suffix = f" {{weight={_fmt(weight)}}}"
        lines.append(f"- [{mark}] {_unescape(answer.text).replace(chr(10), ' ')}{suffix}")
        if answer.feedback:
            lines.append(f"  > {answer.feedback}")
    return "\n".join(lines) + "\n" + explanation(general)


def _numeric(body: str, heading, explanation, line: int, notes: list[Note], title: str) -> str | None:
    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        general = _unescape(general)
    entries = [chunk for sign, chunk in _split_unescaped(body, "=")] if body.lstrip().startswith("=") else [body]
    chosen = None
    for chunk in entries:
        weight = 100.0
        match = re.match(r"^\s*%(-?\d+(?:\.\d+)?)%", chunk)
        if match:
            weight, chunk = float(match.group(1)), chunk[match.end():]
        chunk = chunk.split("#", 1)[0].strip()
        if weight == 100 and chosen is None:
            chosen = chunk
        elif weight != 100:
            notes.append(Note(line, f"question '{title}': partially correct numeric answer '{chunk}' dropped"))
    if chosen is None:
        notes.append(Note(line, f"question '{title}': no fully correct numeric answer"))
        return None
    rng = re.fullmatch(r"(-?[\d.]+)\.\.(-?[\d.]+)", chosen)
    tol = re.fullmatch(r"(-?[\d.]+)(?::([\d.]+))?", chosen)
    if rng:
        attrs = f"type=numeric min={_fmt(float(rng.group(1)))} max={_fmt(float(rng.group(2)))}"
    elif tol:
        attrs = f"type=numeric answer={_fmt(float(tol.group(1)))} tolerance={_fmt(float(tol.group(2) or 0))}"
    else:
        notes.append(Note(line, f"question '{title}': cannot read numeric answer '{chosen}'"))
        return None
    return heading(attrs) + explanation(general)


def quiz_to_gift(questions: list[dict], title: str = "") -> tuple[str, list[str]]:
    """GIFT text and the list of question ids that could not be exported."""
    lines = [f"// {title}".rstrip(), "// exported by Smart City Campus", ""]
    skipped = []
    for q in questions:
        text = "[markdown]" + _escape(q["title"]) + (("\\n\\n" + _escape(q.get("prompt", ""))) if q.get("prompt") else "")
        general = f"####{_escape(q['explanation'])}" if q.get("explanation") else ""
        head = f"::{_escape(q['id'])}::{text}"
        kind = q["type"]
        if kind == "truefalse":
            truth = q["options"][0]["correct"]
            lines.append(f"{head}{{{'TRUE' if truth else 'FALSE'}{general}}}")
        elif kind in ("single", "multiple"):
            body = []
            count_right = sum(o["correct"] for o in q["options"]) or 1
            for option in q["options"]:
                feedback = f"#{_escape(option['feedback'])}" if option.get("feedback") else ""
                if kind == "single":
                    prefix = "=" if option["correct"] else "~"
                else:
                    if q.get("scoring") == "weighted":
                        weight = option["weight"]
                    else:  # our partial rule: each right choice earns 1/n, each wrong costs 1/n
                        weight = (100 if option["correct"] else -100) / count_right
                    prefix = f"~%{weight:.5g}%"
                body.append(f"\t{prefix}{_escape(option['text'])}{feedback}")
            if kind == "multiple" and q.get("scoring") == "all":
                lines.append(f"// {q['id']}: all-or-nothing scoring exported as partial credit")
            lines.append(head + "{\n" + "\n".join(body) + (f"\n\t{general}" if general else "") + "\n}")
        elif kind == "short":
            lines.append(head + "{" + " ".join(f"={_escape(a)}" for a in q["accepted"]) + general + "}")
        elif kind == "numeric":
            if q.get("answer") is not None:
                value = f"{_fmt(q['answer'])}:{_fmt(q.get('tolerance') or 0)}"
            else:
                value = f"{_fmt(q['min'])}..{_fmt(q['max'])}"
            lines.append(f"{head}{{#{value}{general}}}")
        elif kind == "matching":
            pairs = " ".join(f"={_escape(p['left'])} -> {_escape(p['right'])}" for p in q["pairs"])
            lines.append(f"{head}{{{pairs}{general}}}")
        else:
            lines.append(f"// {q['id']}: {kind} questions have no GIFT equivalent and were not exported")
            skipped.append(q["id"])
            continue
        lines.append("")
    return "\n".join(lines).rstrip() + "\n", skipped
