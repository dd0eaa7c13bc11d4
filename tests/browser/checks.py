"""Accessibility (axe-core, WCAG 2.1 A/AA) and HTML validity (Nu HTML Checker) of a page."""
from __future__ import annotations

import json
import urllib.request

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def axe_violations(page) -> list[str]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [
        f"{v['id']}: {v['help']} — {', '.join(n['target'][0] if isinstance(n['target'][0], str) else str(n['target']) for n in v['nodes'][:3])}"
        for v in results.response["violations"]
    ]


def html_errors(vnu_url: str, html: str) -> list[str]:
    request = urllib.request.Request(f"{vnu_url}/?out=json", data=html.encode("utf-8"),
                                     headers={"Content-Type": "text/html; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=60) as response:
        messages = json.load(response)["messages"]
    return [f"line {m.get('lastLine')}: {m['message']}" for m in messages if m["type"] == "error"]


def check_page(page, vnu_url: str | None) -> None:
    """Fails the test with every axe violation and every HTML error of the page as it is now."""
    problems = [f"axe {v}" for v in axe_violations(page)]
    if vnu_url:
        problems += [f"vnu {e}" for e in html_errors(vnu_url, page.content())]
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
