"""Certificate PDFs (PDF/A-2b), drawn from a snapshot:

- render.py   `render_certificate`: page 1 and the annex pages drawn on a reportlab canvas
- layout.py   fonts, page geometry, line breaking and the annex split into pages (no drawing)
- pdfa.py     PDF/A post-processing with pikepdf: output intent, XMP, images, document info
- seal.py     the signed data inside the PDF: written at render time, read by the offline check"""
