"""Renders a certificate snapshot to PDF/A-2b. Rendering only: all data come from the snapshot,
so rendering an issued certificate again gives the same document."""
from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from pathlib import Path

import pikepdf
import reportlab
import yaml
from PIL import ImageCms
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle
from xml.sax.saxutils import escape

FONT, FONT_BOLD = "CampusSans", "CampusSans-Bold"


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    """Bitstream Vera ships with reportlab (umlauts included) and is embedded as TrueType."""
    fonts = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@lru_cache(maxsize=16)
def load_design(designs_dir: str, name: str) -> dict:
    path = Path(designs_dir) / name / "design.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _german_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def render_certificate(data: dict, designs_dir: str, extra_metadata: dict | None = None) -> bytes:
    _register_fonts()
    design = load_design(designs_dir, data["design"])
    de, en = design["texts"]["de"], design["texts"]["en"]
    colours = {k: HexColor(v) for k, v in design["colours"].items()}
    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT, initialFontSize=10)
    kind_de, kind_en = de[data["kind"]], en[data["kind"]]
    canvas.setTitle(f"{kind_de} {data['number']} – {data['course_title']}")
    canvas.setAuthor(data["issuer"])
    canvas.setSubject(f"{kind_de}: {data['course_title']} – {data['name']}")
    canvas.setCreator("Smart City Campus")

    canvas.setFillColor(colours["primary"])
    canvas.rect(0, height - 28 * mm, width, 28 * mm, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.setFont(FONT_BOLD, 13)
    canvas.drawString(20 * mm, height - 16 * mm, data["issuer"])
    canvas.setFont(FONT, 9)
    canvas.drawString(20 * mm, height - 22 * mm, data["issuer_country"])

    y = height - 50 * mm
    canvas.setFillColor(colours["primary"])
    canvas.setFont(FONT_BOLD, 30)
    canvas.drawString(20 * mm, y, kind_de)
    canvas.setFillColor(colours["muted"])
    canvas.setFont(FONT, 12)
    canvas.drawString(20 * mm, y - 7 * mm, kind_en)

    y -= 20 * mm
    canvas.setFillColor(colours["text"])
    canvas.setFont(FONT, 11)
    canvas.drawString(20 * mm, y, f"{de['intro']} / {en['intro']}")
    canvas.setFont(FONT_BOLD, 22)
    canvas.drawString(20 * mm, y - 11 * mm, data["name"])
    canvas.setFont(FONT, 11)
    completed_de = de["completed"] if data["kind"] == "zertifikat" else de["attended"]
    completed_en = en["completed"] if data["kind"] == "zertifikat" else en["attended"]
    canvas.drawString(20 * mm, y - 20 * mm, completed_de)
    canvas.setFillColor(colours["muted"])
    canvas.setFont(FONT, 9)
    canvas.drawString(20 * mm, y - 25 * mm, completed_en)
    canvas.setFillColor(colours["primary"])
    canvas.setFont(FONT_BOLD, 16)
    canvas.drawString(20 * mm, y - 34 * mm, data["course_title"])

    small = ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=9.5, textColor=colours["text"])
    bold = ParagraphStyle("bold", parent=small, fontName=FONT_BOLD)
    rows = [[Paragraph(f"{escape(de['modules'])} / {escape(en['modules'])}", bold), Paragraph(escape(de["hours"]), bold)]]
    for module in data["modules"]:
        outcomes = "; ".join(module["objectives"])
        text = f"<b>{escape(module['title'])}</b>" + (f"<br/>{escape(outcomes)}" if outcomes else "")
        rows.append([Paragraph(text, small), Paragraph(f"{module['hours']:g}", small)])
    table = Table(rows, colWidths=[150 * mm, 20 * mm])
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colours["muted"]),
        ("FONT", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    _w, table_height = table.wrapOn(canvas, 170 * mm, 120 * mm)
    table_top = y - 42 * mm
    table.drawOn(canvas, 20 * mm, table_top - table_height)

    facts = [
        (f"{de['workload']} / {en['workload']}", f"{data['hours']:g} {de['hours']} / {en['hours']}"),
        (f"{de['assessment']} / {en['assessment']}", de["assessment_text"] if data["kind"] == "zertifikat" else "–"),
        (f"{de['participation']} / {en['participation']}", de["participation_text"]),
        (f"{de['issued']} / {en['issued']}", _german_date(data["issued_on"])),
    ]
    if data.get("expires_on"):
        facts.append((f"{de['valid_until']} / {en['valid_until']}", _german_date(data["expires_on"])))
    facts.append((f"{de['number']} / {en['number']}", data["number"]))
    facts_table = Table([[Paragraph(escape(a), bold), Paragraph(escape(b), small)] for a, b in facts], colWidths=[60 * mm, 70 * mm])
    facts_table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    _w, facts_height = facts_table.wrapOn(canvas, 130 * mm, 60 * mm)
    facts_table.drawOn(canvas, 20 * mm, 30 * mm + 28 * mm)

    x = 20 * mm
    canvas.setStrokeColor(colours["muted"])
    for signatory in data.get("signatories", [])[:3]:
        canvas.line(x, 38 * mm, x + 50 * mm, 38 * mm)
        canvas.setFont(FONT_BOLD, 8)
        canvas.setFillColor(colours["text"])
        canvas.drawString(x, 34 * mm, signatory["name"])
        canvas.setFont(FONT, 7)
        canvas.drawString(x, 30.5 * mm, signatory.get("role", ""))
        x += 58 * mm

    size = 32 * mm
    _draw_qr(canvas, data["verify_url"], width - 20 * mm - size, 52 * mm, size)
    canvas.setFont(FONT, 7)
    canvas.setFillColor(colours["text"])
    canvas.drawRightString(width - 20 * mm, 49 * mm, f"{de['verify']} / {en['verify']}")
    canvas.drawRightString(width - 20 * mm, 45.5 * mm, data["verify_url"])

    canvas.setFillColor(colours["accent"])
    canvas.rect(0, 0, width, 6 * mm, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    return to_pdfa(buffer.getvalue(), title=f"{kind_de} {data['number']}", author=data["issuer"], extra=extra_metadata)


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draws the QR code's modules as plain rectangles (renderPDF would pull in an unembedded
    default font, which PDF/A forbids)."""
    widget = QrCodeWidget(text, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    scale = size / (x1 - x0)
    for shape in widget.draw().contents:
        if shape.fillColor is None:
            continue
        canvas.setFillColor(shape.fillColor)
        canvas.rect(x + (shape.x - x0) * scale, y + (shape.y - y0) * scale, shape.width * scale, shape.height * scale, stroke=0, fill=1)


def to_pdfa(pdf: bytes, title: str, author: str, extra: dict | None = None) -> bytes:
    """reportlab writes no PDF/A: add an sRGB output intent and PDF/A-2b XMP metadata."""
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
        if extra:
            for key, value in extra.items():
                document.docinfo[pikepdf.Name("/" + key)] = pikepdf.String(value)
        with document.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = title
            meta["dc:creator"] = [author]
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
        return out.getvalue()
