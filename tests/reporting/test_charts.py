"""Server-side SVG charts: accessible, escaped, no inline styles, values as text."""
from __future__ import annotations

from app.reporting.charts import bar_chart, column_chart
from app.reporting.figures import Suppressed


def test_column_chart_is_an_image_with_title_description_and_values():
    svg = str(column_chart([("2026-01", 12), ("2026-02", Suppressed(3)), ("2026-03", 0)], "Zertifizierungen", "Säulen"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby=" in svg
    assert "<title id=" in svg and ">Zertifizierungen</title>" in svg and "<desc id=" in svg
    assert ">12<" in svg and ">•<" in svg  # values as text, the suppressed one too
    assert "style=" not in svg and "<script" not in svg
    assert svg.count("<rect") == 3


def test_bar_chart_escapes_labels_and_ranks_as_given():
    svg = str(bar_chart([("<b>Kreis</b> & Stadt", 5.5), ("Potsdam, Stadt", 2)], "Rangfolge", "Balken"))
    assert "<b>" not in svg and "&lt;b&gt;Kreis&lt;/b&gt; &amp; Stadt" in svg
    assert svg.index("Kreis") < svg.index("Potsdam") and "5,5" in svg


def test_empty_charts_render():
    assert "<svg" in str(column_chart([], "Leer", "nichts")) and "<svg" in str(bar_chart([], "Leer", "nichts"))
