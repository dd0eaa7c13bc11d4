"""Tables in course content sit in a scroll box that keyboard users can reach: a focusable
region with a name (WCAG 2.1.1; axe `scrollable-region-focusable`). The browser check of every
demo assignment page (tests/browser/test_learner_journey.py) sees them scroll on a phone."""
from __future__ import annotations

import re

from app.catalogue.markdown import render, render_user_markdown

TABLE = "| Prinzip | Was es bedeutet |\n|---|---|\n| Offenheit | Schnittstellen sind dokumentiert |\n"


def wrappers(html: str) -> list[str]:
    return re.findall(r'<div class="table-wrap"[^>]*>', html)


def test_a_table_is_a_focusable_region_named_by_its_section_heading():
    html = render(f"## Bewertungsraster\n\n{TABLE}").html
    assert '<h2 id="bewertungsraster">' in html
    assert wrappers(html) == ['<div class="table-wrap" role="region" tabindex="0" aria-labelledby="bewertungsraster">']


def test_a_second_table_in_the_section_and_one_without_heading_are_named_by_their_columns():
    html = render(f"## Raster\n\n{TABLE}\n| Stufe *eins* | `Punkte` |\n|---|---|\n| a | 1 |\n").html
    assert wrappers(html) == ['<div class="table-wrap" role="region" tabindex="0" aria-labelledby="raster">',
                              '<div class="table-wrap" role="region" tabindex="0" aria-label="Stufe eins, Punkte">']
    assert wrappers(render(TABLE).html) == ['<div class="table-wrap" role="region" tabindex="0" aria-label="Prinzip, Was es bedeutet">']


def test_a_heading_with_quotes_cannot_break_out_of_the_attribute():
    html = str(render_user_markdown('| a" onfocus="alert(1) | b |\n|---|---|\n| 1 | 2 |\n'))
    assert 'onfocus="alert' not in html
    assert 'aria-label="a&quot; onfocus=&quot;alert(1), b"' in html


def test_user_markdown_is_kept_per_text_and_never_mixed_up():
    """render_user_markdown keeps the HTML of each text (app.catalogue.markdown._user_html): the
    same text gives the same HTML, and texts of the same length or shape still get their own."""
    first = str(render_user_markdown("**eins** <b>x</b>"))
    second = str(render_user_markdown("**zwei** <b>y</b>"))
    assert first == "<p><strong>eins</strong> &lt;b&gt;x&lt;/b&gt;</p>\n"
    assert second == "<p><strong>zwei</strong> &lt;b&gt;y&lt;/b&gt;</p>\n"
    assert str(render_user_markdown("**eins** <b>x</b>")) == first
    assert str(render_user_markdown(None)) == ""
