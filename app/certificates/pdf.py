"""Renders a certificate snapshot to PDF/A-2b. Rendering only: all data come from the snapshot
(including the design and the hashes of its images), so rendering an issued certificate again
gives the same bytes.

Page 1 is the certificate, the following page(s) the annex with the EU micro-credential elements:
modules with hours and learning outcomes, assessment forms, participation, quality assurance.

Speed matters (a cohort's batch is rendered in one go): fonts are registered once, the QR code is
drawn as one path of merged runs, images are decoded once per content hash, the sRGB profile is
built once, and the PDF/A additions are made in one pikepdf pass."""
from __future__ import annotations

import hashlib
import io
import zlib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import escape as xml_escape  # nosec B406 - escape() for PDF text markup only; nothing parses XML

import pikepdf
import reportlab
from reportlab import rl_config
import yaml
from PIL import Image, ImageCms
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.certificates.qr import dark_runs
from app.certificates.signing import canonical

# pikepdf rewrites every stream anyway, so reportlab's ASCII85 layer is pure cost (a third of a
# render in pure Python). The setting is process-wide; it only changes how streams are encoded.
rl_config.useA85 = 0

FONT, FONT_BOLD = "CampusSans", "CampusSans-Bold"
WIDTH, HEIGHT = A4
LEFT, RIGHT = 20 * mm, A4[0] - 20 * mm
# Where the signed data travel inside the PDF (document information dictionary; PDF/A-2 allows
# custom entries there, whereas embedded non-PDF/A files are forbidden).
PAYLOAD_KEY, SIGNATURE_KEY, SIGNER_KEY = "/CertificateData", "/CertificateSignature", "/CertificateSigningKey"


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    """Bitstream Vera ships with reportlab (umlauts included) and is embedded as TrueType.
"""
    fonts = Path(reportlab.__file__).parent / "fonts"
    for name, file in ((FONT, "Vera.ttf"), (FONT_BOLD, "VeraBd.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(fonts / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# -- designs ---------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _read_design(path: str, mtime: float) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def load_design(designs_dir: str, name: str) -> dict:
    """The design as it is on disk now (re-read when the file changes)."""
    path = Path(designs_dir) / name / "design.yml"
    return _read_design(str(path), path.stat().st_mtime)


def design_snapshot(designs_dir: str, name: str) -> tuple[dict, dict[str, bytes]]:
    """What an issued certificate keeps of its design: colours, texts and the logo's hash, plus
    the image bytes by SHA-256 (stored once, shared by every certificate that uses them)."""
    raw = load_design(designs_dir, name)
    assets: dict[str, bytes] = {}
    logo = None
    if raw.get("logo"):
        logo = add_asset(assets, Path(designs_dir) / name / raw["logo"])
    design = {"name": name, "colours": dict(raw["colours"]), "texts": {lang: dict(t) for lang, t in raw["texts"].items()}, "logo": logo}
    return design, assets


def add_asset(assets: dict[str, bytes], path: Path) -> str:
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    assets[digest] = content
    return digest


@lru_cache(maxsize=64)
def _image_streams(digest: str, content: bytes) -> tuple[int, int, bytes, bytes | None]:
    """(width, height, Flate-compressed RGB, Flate-compressed alpha or None), once per image."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") or "transparency" in image.info else None
        if alpha is not None and image.mode != "RGBA":
            alpha = image.convert("RGBA").getchannel("A")
        rgb = image.convert("RGB")
        return (image.width, image.height, zlib.compress(rgb.tobytes(), 9),
                zlib.compress(alpha.tobytes(), 9) if alpha is not None and alpha.getextrema() != (255, 255) else None)


# -- QR code ----------------------------------------------------------------------------------

def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Plain filled rectangles in one path: no fonts (PDF/A) and few operators (speed)."""
    modules, runs = dark_runs(text)
    border = 4
    box = size / (modules + 2 * border)
    path = canvas.beginPath()
    for row, col, length in runs:
        path.rect(x + (col + border) * box, y + size - (row + border + 1) * box, length * box, box)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


# -- text helpers ----------------------------------------------------------------------------

def _german_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def _hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _fit(text: str, font: str, size: float, width: float, minimum: float = 9) -> float:
    """The largest font size up to `size` at which `text` fits into `width`."""
    needed = pdfmetrics.stringWidth(text, font, size)
    return size if needed <= width else max(minimum, size * width / needed)


# -- layout ----------------------------------------------------------------------------------
# Text is laid out by hand (cached line breaking, one text object per block) rather than with
# platypus Paragraphs and Tables, which cost most of a render's time; the annex is identical for
# every certificate of a course snapshot, so its layout is computed once per snapshot.

@lru_cache(maxsize=8192)
def _wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    return tuple(simpleSplit(text, font, size, width)) or ("",)


def _text(canvas: Canvas, x: float, y: float, lines, font: str, size: float, leading: float, colour) -> None:
    block = canvas.beginText(x, y)
    block.setFont(font, size, leading)
    block.setFillColor(colour)
    for line in lines:
        block.textLine(line)
    canvas.drawText(block)


def _facts_rows(facts, label_width: float, value_width: float) -> list[tuple]:
    """(label de, label en, value lines, height) per row of a two-column facts list."""
    rows = []
    for label_de, label_en, value_lines in facts:
        lines = [line for text in value_lines for line in _wrap(text, FONT, 8, value_width)]
        height = max(2 * 3.6 * mm, len(lines) * 3.6 * mm) + 2.2 * mm
        rows.append((label_de, label_en, lines, height))
    return rows


def _draw_facts(canvas: Canvas, rows, x: float, top: float, label_width: float, width: float, colours, rule: bool = True) -> float:
    y = top
    for index, (label_de, label_en, lines, height) in enumerate(rows):
        canvas.setFillColor(colours["text"])
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawString(x, y - 3 * mm, label_de)
        canvas.setFillColor(colours["muted"])
        canvas.setFont(FONT, 7)
        canvas.drawString(x, y - 6.4 * mm, label_en)
        _text(canvas, x + label_width, y - 3 * mm, lines, FONT, 8, 3.6 * mm, colours["text"])
        y -= height
        if rule and index < len(rows) - 1:
            canvas.setStrokeColor(colours["muted"])
            canvas.setLineWidth(0.3)
            canvas.line(x, y + 0.8 * mm, x + width, y + 0.8 * mm)
    return y


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


# -- rendering --------------------------------------------------------------------------------

def render_certificate(data: dict, assets: Mapping[str, bytes] | None = None, seal: dict | None = None,
                       designs_dir: str | None = None) -> bytes:
    """The certificate as PDF/A-2b bytes.

    `assets` maps the SHA-256 of each image named in the snapshot to its bytes; `seal` is
    {"signature": …, "key_id": …} from issue and is embedded with the signed data."""
    _register_fonts()
    assets = assets or {}
    design = data["design"]
    if isinstance(design, str):  # snapshots written before designs were snapshotted
        raw = load_design(designs_dir, design)
        design = {"name": design, "colours": raw["colours"], "texts": raw["texts"], "logo": None}
    de, en = _texts(design["texts"]["de"], "de"), _texts(design["texts"]["en"], "en")
    colours = {k: HexColor(v) for k, v in design["colours"].items()}
    kind_de, kind_en = de[data["kind"]], en[data["kind"]]

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT, initialFontSize=10)
    title = f"{kind_de} {data['number']} – {data['course_title']}"
    subject = f"{kind_de}: {data['course_title']} – {data['name']}"
    canvas.setTitle(title)
    canvas.setAuthor(data["issuer"])
    canvas.setSubject(subject)

    annex_key = _annex_key(data, design)
    pages = 1 + len(_annex_layout(annex_key))
    images = _draw_front(canvas, data, design, assets, de, en, colours, kind_de, kind_en, pages)
    for number in range(2, pages + 1):
        canvas.showPage()
        _draw_annex_frame(canvas, data, de, en, colours, kind_de, kind_en, number, pages)
        _draw_annex_rows(canvas, colours, _annex_layout(annex_key)[number - 2])
    canvas.showPage()
    canvas.save()
    return to_pdfa(buffer.getvalue(), title=title, author=data["issuer"], subject=subject,
                   seal=_seal_entries(data, seal), images=images, created=data["issued_on"])


_DEFAULT_TEXTS = {  # for designs from before these keys existed
    "de": {"page": "Seite", "annex": "Anlage zu", "annex_note": "Inhalte und Lernergebnisse: siehe Anlage.",
           "outcomes": "Die Teilnehmenden können", "participation_online": "online", "quality": "Qualitätssicherung",
           "quality_text": "Curriculum Version {version} der ausstellenden Stelle.", "replaces": "Ersetzt"},
    "en": {"page": "Page", "annex": "Annex to", "annex_note": "Contents and learning outcomes: see annex.",
           "outcomes": "Participants are able to", "participation_online": "online", "quality": "Quality assurance",
           "quality_text": "Curriculum version {version} of the issuing body.", "replaces": "Replaces"},
}


def _texts(texts: dict, language: str) -> dict:
    return {**_DEFAULT_TEXTS[language], **texts}


def _seal_entries(data: dict, seal: dict | None) -> dict | None:
    if not seal:
        return None
    return {PAYLOAD_KEY: canonical(data).decode("ascii"), SIGNATURE_KEY: seal["signature"], SIGNER_KEY: seal["key_id"]}


def _footer(canvas: Canvas, data: dict, de: dict, en: dict, colours: dict, page: int, pages: int) -> None:
    canvas.setFillColor(colours["text"])
    canvas.setFont(FONT, 7)
    canvas.drawString(LEFT, 10 * mm, f"{de['verify']} / {en['verify']} {data['verify_url']}")
    canvas.drawRightString(RIGHT, 10 * mm, f"{de['page']} {page}/{pages} · {en['page']} {page}/{pages}")
    canvas.setFillColor(colours["accent"])
    canvas.rect(0, 0, WIDTH, 6 * mm, stroke=0, fill=1)


def _draw_front(canvas, data, design, assets, de, en, colours, kind_de, kind_en, pages) -> list[tuple]:
    """Draws page 1; returns the images to place on it as (digest, bytes, x, y, width, height)."""
    images = []
    canvas.setFillColor(colours["primary"])
    canvas.rect(0, HEIGHT - 30 * mm, WIDTH, 30 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT_BOLD, _fit(data["issuer"], FONT_BOLD, 13, 130 * mm))
    canvas.drawString(LEFT, HEIGHT - 15 * mm, data["issuer"])
    canvas.setFont(FONT, 9)
    canvas.drawString(LEFT, HEIGHT - 21 * mm, data["issuer_country"])
    logo = design.get("logo")
    if logo and logo in assets:
        images.append((logo, assets[logo], RIGHT - 36 * mm, HEIGHT - 26 * mm, 36 * mm, 22 * mm))

    y = HEIGHT - 55 * mm
    canvas.setFillColor(colours["primary"])
    canvas.setFont(FONT_BOLD, 30)
    canvas.drawString(LEFT, y, kind_de)
    canvas.setFillColor(colours["muted"])
    canvas.setFont(FONT, 12)
    canvas.drawString(LEFT, y - 7 * mm, kind_en)

    y -= 22 * mm
    canvas.setFillColor(colours["text"])
    canvas.setFont(FONT, 11)
    canvas.drawString(LEFT, y, de["intro"])
    canvas.setFillColor(colours["muted"])
    canvas.setFont(FONT, 8.5)
    canvas.drawString(LEFT, y - 4.5 * mm, en["intro"])
    canvas.setFillColor(colours["text"])
    canvas.setFont(FONT_BOLD, _fit(data["name"], FONT_BOLD, 24, RIGHT - LEFT))
    canvas.drawString(LEFT, y - 16 * mm, data["name"])
    assessed = data["kind"] == "zertifikat"
    canvas.setFont(FONT, 11)
    canvas.drawString(LEFT, y - 25 * mm, de["completed"] if assessed else de["attended"])
    canvas.setFillColor(colours["muted"])
    canvas.setFont(FONT, 8.5)
    canvas.drawString(LEFT, y - 29.5 * mm, en["completed"] if assessed else en["attended"])
    canvas.setFillColor(colours["primary"])
    canvas.setFont(FONT_BOLD, _fit(data["course_title"], FONT_BOLD, 18, RIGHT - LEFT))
    canvas.drawString(LEFT, y - 40 * mm, data["course_title"])

    facts = [
        (de["workload"], en["workload"], [f"{_hours(data['hours'])} {de['hours']} / {en['hours']}"]),
        (de["participation"], en["participation"], [de["participation_online"], en["participation_online"]]),
        (de["issued"], en["issued"], [_german_date(data["issued_on"])]),
    ]
    if data.get("expires_on"):
        facts.append((de["valid_until"], en["valid_until"], [_german_date(data["expires_on"])]))
    facts.append((de["number"], en["number"], [data["number"]]))
    if data.get("replaces"):
        facts.append((de["replaces"], en["replaces"], [f"{data['replaces']['number']} ({_german_date(data['replaces']['issued_on'])})"]))
    facts.append((de["issuer"], en["issuer"], [f"{data['issuer']}, {data['issuer_country']}"]))
    top = y - 50 * mm
    bottom = _draw_facts(canvas, _facts_rows(facts, 45 * mm, 80 * mm), LEFT, top, 45 * mm, 125 * mm, colours)
    _text(canvas, LEFT, bottom - 4 * mm, [de["annex_note"]], FONT, 8, 3.6 * mm, colours["text"])
    _text(canvas, LEFT, bottom - 7.6 * mm, [en["annex_note"]], FONT, 7, 3.6 * mm, colours["muted"])

    size = 34 * mm
    _draw_qr(canvas, data["verify_url"], RIGHT - size, top - size, size)
    canvas.setFillColor(colours["text"])
    canvas.setFont(FONT, 7)
    canvas.drawCentredString(RIGHT - size / 2, top - size - 3 * mm, f"{de['verify']} / {en['verify']}")

    x = LEFT
    canvas.setStrokeColor(colours["muted"])
    canvas.setLineWidth(0.5)
    for signatory in data.get("signatories", [])[:3]:
        image = signatory.get("signature")
        if image and image in assets:
            images.append((image, assets[image], x, 34.5 * mm, 50 * mm, 15 * mm))
        canvas.line(x, 34 * mm, x + 50 * mm, 34 * mm)
        canvas.setFillColor(colours["text"])
        canvas.setFont(FONT_BOLD, _fit(signatory["name"], FONT_BOLD, 8, 52 * mm, 6))
        canvas.drawString(x, 30 * mm, signatory["name"])
        canvas.setFont(FONT, _fit(signatory.get("role", ""), FONT, 7, 52 * mm, 5))
        canvas.drawString(x, 26.5 * mm, signatory.get("role", ""))
        x += 58 * mm
    _footer(canvas, data, de, en, colours, 1, pages)
    return images


ANNEX_TOP = HEIGHT - 40 * mm
ANNEX_BOTTOM = 18 * mm
LINE = 3.5 * mm


def _annex_key(data: dict, design: dict) -> str:
    """Everything the annex's layout depends on, as one hashable string."""
    return canonical({
        "modules": data["modules"], "hours": data["hours"], "kind": data["kind"], "assessment": data.get("assessment"),
        "version": data["course_version"], "issuer": data["issuer"], "country": data["issuer_country"],
        "texts": design["texts"], "colours": design["colours"],
    }).decode("ascii")


@lru_cache(maxsize=64)
def _annex_layout(key: str) -> tuple[tuple[tuple, ...], ...]:
    """The annex as pages of rows; a row is (height, operations). Operations are
    ("text", font, size, colour, x, dy, lines) and ("rule", dy), dy measured down from the row's top."""
    import json

    spec = json.loads(key)
    de, en = _texts(spec["texts"]["de"], "de"), _texts(spec["texts"]["en"], "en")
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
        ops = [("text", FONT_BOLD, 8.5, "text", LEFT, 4 * mm, _wrap(module["title"], FONT_BOLD, 8.5, text_width)),
               ("right", FONT, 8.5, "text", hours_x, 4 * mm, (_hours(module["hours"]),))]
        dy = 4 * mm + len(ops[0][6]) * LINE
        if module["objectives"]:
            ops.append(("text", FONT, 7, "muted", LEFT, dy, (f"{de['outcomes']} … / {en['outcomes']} …",)))
            dy += LINE
            for outcome in module["objectives"]:
                lines = _wrap(outcome, FONT, 8, text_width - 4 * mm)
                ops.append(("text", FONT, 8, "text", LEFT, dy, ("•",)))
                ops.append(("text", FONT, 8, "text", LEFT + 4 * mm, dy, lines))
                dy += len(lines) * LINE
        dy += 0.5 * mm
        ops.append(("rule", dy))
        rows.append((dy + 1 * mm, tuple(ops)))
    rows.append((8 * mm, (
        ("text", FONT_BOLD, 8.5, "text", LEFT, 4 * mm, (f"{de['workload']} / {en['workload']}",)),
        ("right", FONT_BOLD, 8.5, "text", hours_x, 4 * mm, (f"{_hours(spec['hours'])} {de['hours']} / {en['hours']}",)),
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
            lines = _wrap(value, FONT, 8 if index == 0 else 7, width - 45 * mm)
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


def _draw_annex_frame(canvas, data, de, en, colours, kind_de, kind_en, page, pages) -> None:
    """An annex page's header, name and footer."""
    canvas.setFillColor(colours["primary"])
    canvas.rect(0, HEIGHT - 16 * mm, WIDTH, 16 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawString(LEFT, HEIGHT - 10 * mm, f"{de['annex']} {kind_de} {data['number']}")
    canvas.setFont(FONT, 8)
    canvas.drawRightString(RIGHT, HEIGHT - 10 * mm, f"{en['annex']} {kind_en} {data['number']}")
    canvas.setFillColor(colours["text"])
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(LEFT, HEIGHT - 27 * mm, data["name"])
    canvas.setFont(FONT, 10)
    canvas.drawString(LEFT, HEIGHT - 33 * mm, f"{data['course_title']} ({data['course_version']})")
    _footer(canvas, data, de, en, colours, page, pages)


def _draw_annex_rows(canvas, colours, rows) -> None:
    canvas.setStrokeColor(colours["muted"])
    canvas.setLineWidth(0.3)
    y = ANNEX_TOP
    for height, ops in rows:
        for op in ops:
            if op[0] == "rule":
                canvas.line(LEFT, y - op[1], RIGHT, y - op[1])
            elif op[0] == "right":
                _kind, font, size, colour, x, dy, lines = op
                canvas.setFillColor(colours[colour])
                canvas.setFont(font, size)
                canvas.drawRightString(x, y - dy, lines[0])
            else:
                _kind, font, size, colour, x, dy, lines = op
                _text(canvas, x, y - dy, lines, font, size, LINE, colours[colour])
        y -= height


# -- PDF/A ------------------------------------------------------------------------------------

_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:CreatorTool>Smart City Campus</xmp:CreatorTool>
   <pdf:Producer>Smart City Campus</pdf:Producer>
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def to_pdfa(pdf: bytes, title: str, author: str, subject: str = "", seal: dict | None = None,
            images: list[tuple] = (), created: str = "2000-01-01") -> bytes:
    """reportlab writes no PDF/A: add an sRGB output intent and PDF/A-2b XMP metadata (written
    from a template, matching the document information entries), the images of page 1 as
    pre-encoded XObjects, and the signed certificate data as custom information entries."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        icc = pikepdf.Stream(document, _srgb_profile())
        icc["/N"] = 3
        document.Root.OutputIntents = pikepdf.Array([
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
                Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=icc,
            )
        ])
        if images:
            _place_images(document, document.pages[0], images)
        day = date.fromisoformat(created)
        info = pikepdf.Dictionary(
            Title=pikepdf.String(title), Author=pikepdf.String(author), Subject=pikepdf.String(subject),
            Creator=pikepdf.String("Smart City Campus"), Producer=pikepdf.String("Smart City Campus"),
            CreationDate=pikepdf.String(f"D:{day:%Y%m%d}000000Z"), ModDate=pikepdf.String(f"D:{day:%Y%m%d}000000Z"),
        )
        for key, value in (seal or {}).items():
            info[pikepdf.Name(key)] = pikepdf.String(value)
        document.trailer.Info = document.make_indirect(info)
        xmp = _XMP.format(title=xml_escape(title), author=xml_escape(author), subject=xml_escape(subject),
                          date=f"{day:%Y-%m-%d}T00:00:00Z")
        metadata = pikepdf.Stream(document, xmp.encode("utf-8"))
        metadata.Type, metadata.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
        document.Root.Metadata = metadata
        out = io.BytesIO()
        document.save(out, deterministic_id=True, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue()


def _place_images(document: pikepdf.Pdf, page: pikepdf.Page, images: list[tuple]) -> None:
    resources = page.obj.Resources
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    operators = []
    for index, (digest, content, x, y, width, height) in enumerate(images):
        pixels_w, pixels_h, rgb, alpha = _image_streams(digest, content)
        image = pikepdf.Stream(document, b"")
        image.write(rgb, filter=pikepdf.Name.FlateDecode)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = pixels_w, pixels_h, 8
        image.ColorSpace = pikepdf.Name.DeviceRGB
        if alpha is not None:
            mask = pikepdf.Stream(document, b"")
            mask.write(alpha, filter=pikepdf.Name.FlateDecode)
            mask.Type, mask.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
            mask.Width, mask.Height, mask.BitsPerComponent = pixels_w, pixels_h, 8
            mask.ColorSpace = pikepdf.Name.DeviceGray
            image.SMask = mask
        name = f"/CampusImage{index}"
        resources.XObject[name] = image
        # fit into the box, keeping the aspect ratio, anchored bottom-left
        scale = min(width / pixels_w, height / pixels_h)
        operators.append(f"q {pixels_w * scale:.3f} 0 0 {pixels_h * scale:.3f} {x:.3f} {y:.3f} cm {name} Do Q")
    page.contents_add(pikepdf.Stream(document, "\n".join(operators).encode("ascii")), prepend=False)


def read_seal(pdf: bytes | Path) -> tuple[bytes | None, str | None, str | None]:
    """(signed data, signature, key id) as embedded by `render_certificate`, or Nones."""
    source = pdf if isinstance(pdf, Path) else io.BytesIO(pdf)
    with pikepdf.open(source) as document:
        info = document.docinfo

        def get(key):
            value = info.get(key)
            return str(value) if value is not None else None

        payload = get(PAYLOAD_KEY)
        return (payload.encode("utf-8") if payload is not None else None), get(SIGNATURE_KEY), get(SIGNER_KEY)
