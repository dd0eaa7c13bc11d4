"""Accessibility (axe-core, WCAG 2.1 A/AA) and HTML validity (Nu HTML Checker) of a page."""
from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SCRIPT = Axe().axe_script  # browser contexts may load it into every page up front (add_init_script)
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vnu")


def axe_violations(page) -> list[str]:
    if page.evaluate("typeof axe === 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = AxeResults(page.evaluate("options => axe.run(document, options)", options))
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


PHONE_WIDTH = 400
# The outermost elements that stick out to the right of the viewport (their parent does not), but
# not those inside a box that scrolls or clips them.
_OVERFLOWING = """width => Array.from(document.body.querySelectorAll("*")).filter(el => {
  const right = el.getBoundingClientRect().right, parent = el.parentElement.getBoundingClientRect().right;
  if (right <= width + 1 || parent > width + 1) return false;
  for (let box = el.parentElement; box; box = box.parentElement) {
    if (getComputedStyle(box).overflowX !== "visible") return false;
  }
  return true;
}).slice(0, 3).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""))"""


def reflow_problems(page) -> list[str]:
    """WCAG 1.4.10 Reflow: at phone width nothing scrolls sideways but wide tables in their own
    scroll container."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    if not width or width > PHONE_WIDTH:
        return []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return []
    return [f"page is {scroll_width} px wide at {width} px: {', '.join(page.evaluate(_OVERFLOWING, width)) or '?'}"]


def check_page(page, vnu_url: str | None) -> None:
    """Fails the test with every axe violation and every HTML error of the page as it is now, and
    at phone width with content that does not reflow. A click that navigates returns once the new
    document is committed, possibly before it is parsed: the check waits for its load event."""
    page.wait_for_load_state("load")
    validation = _pool.submit(html_errors, vnu_url, page.content()) if vnu_url else None  # runs while axe does
    problems = [f"axe {v}" for v in axe_violations(page)]
    problems += [f"reflow {p}" for p in reflow_problems(page)]
    if validation:
        problems += [f"vnu {e}" for e in validation.result()]
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
