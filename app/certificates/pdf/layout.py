"""Measuring and laying out a certificate's text, without drawing: fonts, page geometry, line
breaking, number and date formats, the assessment lines, and the annex split into pages.

Text is laid out by hand (cached line breaking, one text object per block) rather than with
platypus Paragraphs and Tables, which cost most of a render's time; the annex is identical for
every certificate of a course snapshot, so its layout is computed once per snapshot (`annex_layout`,
cached by `annex_key`)."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.certificates.signing import canonical

FONT, FONT_BOLD = "CampusSans", "CampusSans-Bold"
WIDTH, HEIGHT = A4
LEFT, RIGHT = 20 * mm, A4[0] - 20 * mm
ANNEX_TOP = HEIGHT - 40 * mm
ANNEX_BOTTOM = 18 * mm
LINE = 3.5 * mm


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Bitstream Vera ships with reportlab (umlauts included) and is embedded as TrueType."""
    fonts = Path(reportlab.__file__).parent / "fonts"
    for name, file in ((FONT, "Vera.ttf"), (FONT_BOLD, "VeraBd.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(fonts / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


# -- text ----------------------------------------------------------------------------------------

def german_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def format_hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def fit(text: str, font: str, size: float, width: float, minimum: float = 9) -> float:
    """The largest font size up to `size` at which `text` fits into `width`."""
    needed = pdfmetrics.stringWidth(text, font, size)
    return size if needed <= width else max(minimum, size * width / needed)


@lru_cache(maxsize=8192)
def wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    return tuple(simpleSplit(text, font, size, width)) or ("",)


def facts_rows(facts, label_width: float, value_width: float) -> list[tuple]:
    """(label de, label en, value lines, height) per row of a two-column facts list."""
    rows = []
    for label_de, label_en, value_lines in facts:
        lines = [line for text in value_lines for line in wrap(text, FONT, 8, value_width)]
        height = max(2 * 3.6 * mm, len(lines) * 3.6 * mm) + 2.2 * mm
        rows.append((label_de, label_en, lines, height))
    return rows


def assessment_lines(data: dict, texts: dict) -> list[str]:
    """The assessment forms in one language, from the snapshot's structured assessment."""
    assessment = data.get("assessment")
    if assessment is None:  # snapshots written before assessments were structured
        return [texts.get("assessment_text", texts.get("assessment_none", "–"))] if data["kind"] == "zertifikat" else [texts.get("assessment_none", "–")]
    lines = []
    if assessment.get("quizzes_pass_mark") is not None:
        lines.append(texts["assessment_quizzes"].format(pass_mark=f"{assessment['quizzes_pass_mark']:g}"))
    if assessment.get("assignments"):
        lines.append(texts["assessment_assignments"])
    if assessment.get("final_project"):
        lines.append(texts["assessment_final_project"])
    if assessment.get("trainer_approval"):
        lines.append(texts["assessment_trainer_approval"])
    return lines or [texts["assessment_none"]]


_DEFAULT_TEXTS = {  # for designs from before these keys existed
    "de": {"page": "Seite", "annex": "Anlage zu", "annex_note": "Inhalte und Lernergebnisse: siehe Anlage.",
           "outcomes": "Die Teilnehmenden können", "participation_online": "online", "quality": "Qualitätssicherung",
           "quality_text": "Curriculum Version {version} der ausstellenden Stelle.", "replaces": "Ersetzt"},
    "en": {"page": "Page", "annex": "Annex to", "annex_note": "Contents and learning outcomes: see annex.",
           "outcomes": "Participants are able to", "participation_online": "online", "quality": "Quality assurance",
           "quality_text": "Curriculum version {version} of the issuing body.", "replaces": "Replaces"},
}


def with_default_texts(texts: dict, language: str) -> dict:
    return {**_DEFAULT_TEXTS[language], **texts}


# -- the annex ------------------------------------------------------------------------------------

def annex_key(data: dict, design: dict) -> str:
    """Everything the annex's layout depends on, as one hashable string."""
    return canonical({
        "modules": data["modules"], "hours": data["hours"], "kind": data["kind"], "assessment": data.get("assessment"),
        "version": data["course_version"], "issuer": data["issuer"], "country": data["issuer_country"],
        "texts": design["texts"], "colours": design["colours"],
    }).decode("ascii")


@lru_cache(maxsize=64)
def annex_layout(key: str) -> tuple[tuple[tuple, ...], ...]:
    """The annex as pages of rows; a row is (height, operations). Operations are
    ("text", font, size, colour, x, dy, lines) and ("rule", dy), dy measured down from the row's top."""
    spec = json.loads(key)
    de, en = with_default_texts(spec["texts"]["de"], "de"), with_default_texts(spec["texts"]["en"], "en")
    data = {"kind": spec["kind"], "assessment": spec["assessment"]}
    width = RIGHT - LEFT
    text_width, hours_x = width - 25 * mm, RIGHT
    rows: list[tuple] = []

    rows.append((9 * mm, (
        ("text", FONT_BOLD, 8.5, "text", LEFT, 3 * mm, (de["modules"],)),
        ("text", FONT, 7, "muted", LEFT, 6.4 * mm, (en["modules"],)),
        ("right", FONT_BOLD, 8.5, "text", hours_x, 3 * mm, (de["hours"],)),
        ("right", FONT, 7, "muted", hours_x, 6.4 * mm, (en["hours"],)),
        ("rule", 8.2 * mm),
    )))
    for module in spec["modules"]:
        ops = [("text", FONT_BOLD, 8.5, "text", LEFT, 4 * mm, wrap(module["title"], FONT_BOLD, 8.5, text_width)),
               ("right", FONT, 8.5, "text", hours_x, 4 * mm, (format_hours(module["hours"]),))]
        dy = 4 * mm + len(ops[0][6]) * LINE
        if module["objectives"]:
            ops.append(("text", FONT, 7, "muted", LEFT, dy, (f"{de['outcomes']} … / {en['outcomes']} …",)))
            dy += LINE
            for outcome in module["objectives"]:
                lines = wrap(outcome, FONT, 8, text_width - 4 * mm)
                ops.append(("text", FONT, 8, "text", LEFT, dy, ("•",)))
                ops.append(("text", FONT, 8, "text", LEFT + 4 * mm, dy, lines))
                dy += len(lines) * LINE
        dy += 0.5 * mm
        ops.append(("rule", dy))
        rows.append((dy + 1 * mm, tuple(ops)))
    rows.append((8 * mm, (
        ("text", FONT_BOLD, 8.5, "text", LEFT, 4 * mm, (f"{de['workload']} / {en['workload']}",)),
        ("right", FONT_BOLD, 8.5, "text", hours_x, 4 * mm, (f"{format_hours(spec['hours'])} {de['hours']} / {en['hours']}",)),
    )))
    rows.append((6 * mm, ()))
    facts = [
        (de["assessment"], en["assessment"], ["; ".join(assessment_lines(data, de)), "; ".join(assessment_lines(data, en))]),
        (de["participation"], en["participation"], [de["participation_online"], en["participation_online"]]),
        (de["quality"], en["quality"], [de["quality_text"].format(version=spec["version"]), en["quality_text"].format(version=spec["version"])]),
        (de["issuer"], en["issuer"], [f"{spec['issuer']}, {spec['country']}"]),
    ]
    for label_de, label_en, values in facts:
        ops = [("text", FONT_BOLD, 8, "text", LEFT, 3 * mm, (label_de,)), ("text", FONT, 7, "muted", LEFT, 6.4 * mm, (label_en,))]
        dy = 3 * mm
        for index, value in enumerate(values):
            lines = wrap(value, FONT, 8 if index == 0 else 7, width - 45 * mm)
            ops.append(("text", FONT, 8 if index == 0 else 7, "text" if index == 0 else "muted", LEFT + 45 * mm, dy, lines))
            dy += len(lines) * LINE
        rows.append((max(dy, 7 * mm) + 2 * mm, tuple(ops)))

    pages: list[tuple] = []
    current: list[tuple] = []
    room = ANNEX_TOP - ANNEX_BOTTOM
    for row in rows:
        if row[0] > room and current:
            pages.append(tuple(current))
            current, room = [rows[0]], ANNEX_TOP - ANNEX_BOTTOM - rows[0][0]  # repeat the table head
        current.append(row)
        room -= row[0]
    pages.append(tuple(current))
    return tuple(pages)
