"""Scoring of quiz answers: pure functions over the question dicts produced by the quiz parser.

Each question type is a class in QUESTION_TYPES with two jobs: read the learner's raw form values
into a normalised answer (`read`) and score an answer as a fraction 0..1 of the points (`score`)."""
from __future__ import annotations

import random
import re
import unicodedata
from typing import Any, Mapping


def normalise_text(text: str) -> str:
    """Case, Unicode form and runs of whitespace do not matter in short answers."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def parse_number(text: str) -> float | None:
    """Accepts German and English notation: '1.234,5', '1234.5', '72'."""
    cleaned = text.strip().replace(" ", "").replace("\u202f", "")
    if not cleaned:
        return None
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


class QuestionType:
    name = ""

    @staticmethod
    def read(question: dict, values: Mapping[str, list[str]]) -> Any:
        raise NotImplementedError

    @staticmethod
    def score(question: dict, answer: Any) -> float:
        raise NotImplementedError

    @staticmethod
    def shuffle(question: dict, rng: random.Random) -> dict:
        return question


def _field(question: dict) -> str:
    return f"q-{question['id']}"


class SingleChoice(QuestionType):
    name = "single"

    @staticmethod
    def read(question, values):
        chosen = (values.get(_field(question)) or [None])[0]
        return chosen if chosen in {o["id"] for o in question["options"]} else None

    @staticmethod
    def score(question, answer):
        return 1.0 if any(o["id"] == answer and o["correct"] for o in question["options"]) else 0.0

    @staticmethod
    def shuffle(question, rng):
        options = list(question["options"])
        rng.shuffle(options)
        return {**question, "options": options}


class TrueFalse(SingleChoice):
    name = "truefalse"

    @staticmethod
    def shuffle(question, rng):
        return question  # "Wahr" before "Falsch", always


class MultipleChoice(QuestionType):
    name = "multiple"

    @staticmethod
    def read(question, values):
        valid = {o["id"] for o in question["options"]}
        return sorted({v for v in values.get(_field(question), []) if v in valid})

    @staticmethod
    def score(question, answer):
        chosen = set(answer or [])
        options = question["options"]
        if question.get("scoring") == "weighted":
            total = sum(o["weight"] for o in options if o["id"] in chosen)
            best = sum(o["weight"] for o in options if o["weight"] > 0)
            return max(0.0, min(1.0, total / best)) if best else 0.0
        correct = {o["id"] for o in options if o["correct"]}
        if question.get("scoring") == "all":
            return 1.0 if chosen == correct else 0.0
        right = len(chosen & correct)
        wrong = len(chosen - correct)
        return max(0.0, (right - wrong) / len(correct))

    shuffle = SingleChoice.shuffle


class ShortText(QuestionType):
    name = "short"

    @staticmethod
    def read(question, values):
        return ((values.get(_field(question)) or [""])[0] or "")[:500]

    @staticmethod
    def score(question, answer):
        given = normalise_text(answer or "")
        return 1.0 if given and given in {normalise_text(a) for a in question["accepted"]} else 0.0


class Numeric(QuestionType):
    name = "numeric"

    @staticmethod
    def read(question, values):
        return ((values.get(_field(question)) or [""])[0] or "")[:50]

    @staticmethod
    def score(question, answer):
        number = parse_number(answer or "")
        if number is None:
            return 0.0
        return 1.0 if question["min"] - 1e-9 <= number <= question["max"] + 1e-9 else 0.0


class Matching(QuestionType):
    name = "matching"

    @staticmethod
    def read(question, values):
        valid = {p["id"] for p in question["pairs"]}
        answer = {}
        for pair in question["pairs"]:
            chosen = (values.get(f"{_field(question)}-{pair['id']}") or [""])[0]
            if chosen in valid:
                answer[pair["id"]] = chosen
        return answer

    @staticmethod
    def score(question, answer):
        answer = answer or {}
        pairs = question["pairs"]
        return sum(1 for p in pairs if answer.get(p["id"]) == p["id"]) / len(pairs)

    @staticmethod
    def shuffle(question, rng):
        choices = [p["id"] for p in question["pairs"]]
        rng.shuffle(choices)
        return {**question, "choice_order": choices}


class Ordering(QuestionType):
    name = "ordering"

    @staticmethod
    def read(question, values):
        count = len(question["items"])
        answer = {}
        for item in question["items"]:
            raw = (values.get(f"{_field(question)}-{item['id']}") or [""])[0]
            if raw.isdigit() and 1 <= int(raw) <= count:
                answer[item["id"]] = int(raw)
        return answer

    @staticmethod
    def score(question, answer):
        """Each item in its right place earns its share."""
        answer = answer or {}
        items = question["items"]
        return sum(1 for position, item in enumerate(items, start=1) if answer.get(item["id"]) == position) / len(items)

    @staticmethod
    def shuffle(question, rng):
        shown = [i["id"] for i in question["items"]]
        rng.shuffle(shown)
        return {**question, "display_order": shown}


QUESTION_TYPES: dict[str, type[QuestionType]] = {
    cls.name: cls for cls in (SingleChoice, TrueFalse, MultipleChoice, ShortText, Numeric, Matching, Ordering)
}


def read_answer(question: dict, values: Mapping[str, list[str]]) -> Any:
    return QUESTION_TYPES[question["type"]].read(question, values)


def score_question(question: dict, answer: Any) -> float:
    """Points earned, between 0 and the question's points."""
    fraction = QUESTION_TYPES[question["type"]].score(question, answer)
    return round(question["points"] * max(0.0, min(1.0, fraction)), 4)


def snapshot_questions(questions: list[dict], shuffle: bool, seed: int) -> list[dict]:
    """The questions as one attempt shows them. Question and option order are shuffled per attempt
    when the quiz says so; ordering items and matching choices are always shown shuffled, since
    their file order is the answer."""
    rng = random.Random(seed)  # nosec B311 - display order of questions, reproducible per attempt; no secret
    result = [dict(q) for q in questions]
    if shuffle:
        rng.shuffle(result)
    shown = []
    for question in result:
        if shuffle or question["type"] in ("ordering", "matching"):
            question = QUESTION_TYPES[question["type"]].shuffle(question, rng)
        shown.append(question)
    return shown


def score_attempt(snapshot: list[dict], answers: Mapping[str, Any], pass_mark: float) -> dict:
    results = []
    for question in snapshot:
        earned = score_question(question, answers.get(question["id"]))
        results.append({"id": question["id"], "points": earned, "max": question["points"]})
    score = round(sum(r["points"] for r in results), 4)
    max_score = sum(r["max"] for r in results)
    percent = 100 * score / max_score if max_score else 0.0
    return {"score": score, "max_score": max_score, "percent": percent, "passed": percent + 1e-9 >= pass_mark, "results": results}
