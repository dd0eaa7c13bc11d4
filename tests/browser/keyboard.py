"""Driving a page by keyboard alone: Tab and Shift+Tab to reach a control, Enter or Space to use it,
arrow keys inside radio groups and selects, typing into fields. No mouse events, no element.click().

Every control reached this way must show a visible focus indicator (WCAG 2.4.7)."""
from __future__ import annotations

from playwright.sync_api import Locator, Page

MAX_TABS = 120

_IS_FOCUSED = "el => el === document.activeElement"
# Tab stops between the focused element and the target, as the browser orders them (no positive
# tabindex in our templates; one stop per radio group): > 0 that many Tabs, < 0 Shift+Tabs.
_TAB_DISTANCE = """el => {
  const focusable = Array.from(document.querySelectorAll(
      "a[href], button, input, select, textarea, summary, [tabindex]")).filter(c =>
    !c.disabled && c.tabIndex >= 0 && c.type !== "hidden" && c.getClientRects().length > 0
    && getComputedStyle(c).visibility !== "hidden");
  const stops = [], groups = new Map();
  for (const c of focusable) {
    if (c.type === "radio" && c.name) {
      const key = c.name + "|" + (c.form ? Array.from(document.forms).indexOf(c.form) : "");
      if (groups.has(key)) { groups.get(key).push(c); continue; }
      groups.set(key, [c]);
    }
    stops.push(c);
  }
  const stopOf = node => {
    if (node && node.type === "radio" && node.name) {
      for (const members of groups.values()) if (members.includes(node)) return stops.indexOf(members[0]);
    }
    const index = stops.indexOf(node);
    if (index >= 0 || !node) return index;
    // not a stop itself (the body, or <main> after the skip link): Tab continues after it
    return stops.filter(c => node.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_PRECEDING).length - 1;
  };
  const target = stopOf(el);
  if (target < 0) return null;
  return target - stopOf(document.activeElement);
}"""
_FRESH_PAGE_AND_IN_MAIN = """el => (document.activeElement === document.body || !document.activeElement)
  && !!document.querySelector(".skip-link") && !!el.closest("main#inhalt")"""
_FOCUS_VISIBLE = """el => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return el.matches(":focus-visible") && (outline || style.boxShadow !== "none");
}"""
_IN_RADIO_GROUP = """el => {
  const active = document.activeElement;
  return !!active && active.type === "radio" && active.name === el.name && active.form === el.form;
}"""


class Keyboard:
    def __init__(self, page: Page):
        self.page = page

    # -- reaching a control ---------------------------------------------------------------------

    def focus(self, target: Locator) -> Locator:
        """Tabs (or Shift+Tabs, whichever way the target lies) until the target has the focus;
        on a fresh page, for a target in the main content, first by the skip link."""
        self._skip_to_content(target)
        self._reach(target, _IS_FOCUSED)
        self._assert_focus_visible(target)
        return target

    def _reach(self, target: Locator, arrived: str) -> None:
        """Presses Tab or Shift+Tab until `arrived` (a JS predicate on the target) holds. The
        expected number of presses is made without looking; the last few are checked one by one."""
        target.wait_for()
        distance = target.evaluate(_TAB_DISTANCE)
        key = "Shift+Tab" if distance is not None and distance < 0 else "Tab"
        for _ in range(max(0, abs(distance or 0) - 2)):
            self.page.keyboard.press(key)
        for key in (key, "Shift+Tab" if key == "Tab" else "Tab"):  # the estimate could overshoot: then back
            for _ in range(MAX_TABS):
                if target.evaluate(arrived):
                    return
                self.page.keyboard.press(key)
        raise AssertionError(f"{target} is not reachable with Tab or Shift+Tab")

    def _skip_to_content(self, target: Locator) -> None:
        target.wait_for()
        if not target.evaluate(_FRESH_PAGE_AND_IN_MAIN):
            return
        self.page.keyboard.press("Tab")
        skip_link = self.page.locator(".skip-link")
        assert skip_link.evaluate(_IS_FOCUSED), "the first Tab on a page must reach the skip link"
        self._assert_focus_visible(skip_link)
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "inhalt", "the skip link must move the focus to the content"

    def _assert_focus_visible(self, target: Locator) -> None:
        assert target.evaluate(_FOCUS_VISIBLE), f"{target} has the focus but shows no focus indicator"

    # -- using it ---------------------------------------------------------------------------------

    def follow(self, target: Locator) -> None:
        """Enter on a link or button and wait for the page it leads to."""
        self.focus(target)  # outside the wait: the skip link's jump is a (same-page) navigation too
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def type(self, target: Locator, text: str, clear: bool = True) -> None:
        self.focus(target)
        if clear:
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
        self.page.keyboard.type(text)

    def check(self, target: Locator) -> None:
        """Space on a checkbox that is not ticked yet."""
        self.focus(target)
        if not target.is_checked():
            self.page.keyboard.press("Space")
        assert target.is_checked()

    def choose(self, radio: Locator) -> None:
        """Tab into the radio group, then arrow keys to the wanted radio (arrows also select)."""
        self._reach(radio, _IN_RADIO_GROUP)
        if radio.evaluate(_IS_FOCUSED):
            self.page.keyboard.press("Space")
        else:
            for _ in range(20):
                self.page.keyboard.press("ArrowDown")
                if radio.evaluate(_IS_FOCUSED):
                    break
        self._assert_focus_visible(radio)
        assert radio.is_checked(), f"{radio} not selected"

    def select(self, target: Locator, label: str) -> None:
        """A closed <select>: type the option's first word (type-ahead; a space would open the
        list), then arrow keys to the exact option."""
        self.focus(target)
        self.page.keyboard.type(label.split(" ")[0])
        selected = "el => el.selectedOptions[0] ? el.selectedOptions[0].textContent.trim() : ''"
        for key in ("ArrowDown", "ArrowUp"):
            for _ in range(60):
                if target.evaluate(selected) == label:
                    return
                self.page.keyboard.press(key)
        raise AssertionError(f"{target}: no option {label!r} (selected: {target.evaluate(selected)!r})")

    def upload(self, target: Locator, path) -> None:
        """Space on a file input opens the file chooser, which gets the file. Under a loaded
        machine Chromium now and then drops the first keypress's chooser (seen once in a full
        parallel run): one more Space, on the still focused input, before giving up."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.focus(target)
        for attempt, timeout in enumerate((10_000, 30_000)):
            try:
                with self.page.expect_file_chooser(timeout=timeout) as chooser:
                    self.page.keyboard.press("Space")
                break
            except PlaywrightTimeout:
                if attempt:
                    raise
                assert target.evaluate(_IS_FOCUSED), "the file input lost the focus"
        chooser.value.set_files(str(path))

    def download(self, target: Locator, save_as) -> None:
        """Enter on a download link; the file is saved to ``save_as``."""
        self.focus(target)
        with self.page.expect_download() as info:
            self.page.keyboard.press("Enter")
        info.value.save_as(save_as)
