"""Renders a certificate snapshot to PDF/A-2b. Rendering only: all data come from the snapshot
(including the design and the hashes of its images), so rendering an issued certificate again
gives the same bytes.

Page 1 is the certificate, the following page(s) the annex with the EU micro-credential elements:
modules with hours and learning outcomes, assessment forms, participation, quality assurance.

This module draws on a reportlab canvas; what goes where is measured in layout.py, and pdfa.py
turns reportlab's output into PDF/A with the images and the seal (seal.py).

Speed matters (a cohort's batch is rendered in one go): fonts are registered once, the QR code is
drawn as one path of merged runs, images are decoded once per content hash, the sRGB profile is
built once, and the PDF/A additions are made in one pikepdf pass."""
from __future__ import annotations

import io
from typing import Mapping

from reportlab import rl_config
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.certificates.designs import load_design
from app.certificates.pdf.layout import (
    ANNEX_TOP, FONT, FONT_BOLD, HEIGHT, LEFT, LINE, RIGHT, WIDTH, annex_key, annex_layout, facts_rows, fit, format_hours,
    german_date, register_fonts, with_default_texts,
)
from app.certificates.pdf.pdfa import to_pdfa
from app.certificates.pdf.seal import seal_entries
from app.certificates.qr import dark_runs

# pikepdf rewrites every stream anyway, so reportlab's ASCII85 layer is pure cost (a third of a
# render in pure Python). The setting is process-wide; it only changes how streams are encoded.
rl_config.useA85 = 0


def render_certificate(data: dict, assets: Mapping[str, bytes] | None = None, seal: dict | None = None,
                       designs_dir: str | None = None) -> bytes:
    """The certificate as PDF/A-2b bytes.

    `assets` maps the SHA-256 of each image named in the snapshot to its bytes; `seal` is
    {"signature": …, "key_id": …} from issue and is embedded with the signed data."""
    register_fonts()
    assets = assets or {}
    design = data["design"]
    if isinstance(design, str):  # snapshots written before designs were snapshotted
        raw = load_design(designs_dir, design)
        design = {"name": design, "colours": raw["colours"], "texts": raw["texts"], "logo": None}
    de, en = with_default_texts(design["texts"]["de"], "de"), with_default_texts(design["texts"]["en"], "en")
    colours = {k: HexColor(v) for k, v in design["colours"].items()}
    kind_de, kind_en = de[data["kind"]], en[data["kind"]]

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT, initialFontSize=10)
    title = f"{kind_de} {data['number']} – {data['course_title']}"
    subject = f"{kind_de}: {data['course_title']} – {data['name']}"
    canvas.setTitle(title)
    canvas.setAuthor(data["issuer"])
    canvas.setSubject(subject)

    annex = annex_key(data, design)
    pages = 1 + len(annex_layout(annex))
    images = _draw_front(canvas, data, design, assets, de, en, colours, kind_de, kind_en, pages)
    for number in range(2, pages + 1):
        canvas.showPage()
        _draw_annex_frame(canvas, data, de, en, colours, kind_de, kind_en, number, pages)
        _draw_annex_rows(canvas, colours, annex_layout(annex)[number - 2])
    canvas.showPage()
    canvas.save()
    return to_pdfa(buffer.getvalue(), title=title, author=data["issuer"], subject=subject,
                   seal=seal_entries(data, seal), images=images, created=data["issued_on"])


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
    canvas.setFont(FONT_BOLD, fit(data["issuer"], FONT_BOLD, 13, 130 * mm))
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
    canvas.setFont(FONT_BOLD, fit(data["name"], FONT_BOLD, 24, RIGHT - LEFT))
    canvas.drawString(LEFT, y - 16 * mm, data["name"])
    assessed = data["kind"] == "zertifikat"
    canvas.setFont(FONT, 11)
    canvas.drawString(LEFT, y - 25 * mm, de["completed"] if assessed else de["attended"])
    canvas.setFillColor(colours["muted"])
    canvas.setFont(FONT, 8.5)
    canvas.drawString(LEFT, y - 29.5 * mm, en["completed"] if assessed else en["attended"])
    canvas.setFillColor(colours["primary"])
    canvas.setFont(FONT_BOLD, fit(data["course_title"], FONT_BOLD, 18, RIGHT - LEFT))
    canvas.drawString(LEFT, y - 40 * mm, data["course_title"])

    facts = [
        (de["workload"], en["workload"], [f"{format_hours(data['hours'])} {de['hours']} / {en['hours']}"]),
        (de["participation"], en["participation"], [de["participation_online"], en["participation_online"]]),
        (de["issued"], en["issued"], [german_date(data["issued_on"])]),
    ]
    if data.get("expires_on"):
        facts.append((de["valid_until"], en["valid_until"], [german_date(data["expires_on"])]))
    facts.append((de["number"], en["number"], [data["number"]]))
    if data.get("replaces"):
        facts.append((de["replaces"], en["replaces"], [f"{data['replaces']['number']} ({german_date(data['replaces']['issued_on'])})"]))
    facts.append((de["issuer"], en["issuer"], [f"{data['issuer']}, {data['issuer_country']}"]))
    top = y - 50 * mm
    bottom = _draw_facts(canvas, facts_rows(facts, 45 * mm, 80 * mm), LEFT, top, 45 * mm, 125 * mm, colours)
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
        canvas.setFont(FONT_BOLD, fit(signatory["name"], FONT_BOLD, 8, 52 * mm, 6))
        canvas.drawString(x, 30 * mm, signatory["name"])
        canvas.setFont(FONT, fit(signatory.get("role", ""), FONT, 7, 52 * mm, 5))
        canvas.drawString(x, 26.5 * mm, signatory.get("role", ""))
        x += 58 * mm
    _footer(canvas, data, de, en, colours, 1, pages)
    return images


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



def _text(canvas: Canvas, x: float, y: float, lines, font: str, size: float, leading: float, colour) -> None:
    block = canvas.beginText(x, y)
    block.setFont(font, size, leading)
    block.setFillColor(colour)
    for line in lines:
        block.textLine(line)
    canvas.drawText(block)


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
