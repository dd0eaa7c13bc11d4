"""Markdown → HTML for course content, rendered once at import time.

CommonMark with raw HTML off, plus tables, strikethrough, footnotes, heading anchors, callout boxes
(`::: hinweis|achtung|beispiel|praxis [Titel]`) and figures with captions. Relative links and
images are handed to a resolver supplied by the caller, which reports problems with their line."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import Callable, Protocol

from markdown_it import MarkdownIt
from markupsafe import Markup
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

CALLOUTS = {
    "hinweis": "Hinweis",
    "achtung": "Achtung",
    "beispiel": "Beispiel",
    "praxis": "Praxis",
}
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Raise when the same Markdown renders to different HTML: it is part of the content hashes, so
# `courses import` re-renders files that did not change. 2: tables are focusable, named regions.
RENDERING_VERSION = "2"


class LinkResolver(Protocol):
    def link(self, target: str, line: int) -> str | None: ...
    def image(self, target: str, line: int) -> str | None: ...
    def problem(self, line: int, message: str) -> None: ...


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)  # [{"level": 2, "id": "...", "text": "..."}]


def slugify(text: str) -> str:
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r"[\s]+", "-", text) or "abschnitt"


def _callout_renderer(name: str, label: str) -> Callable:
    def render(self, tokens, idx, options, env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(name):].strip()
            heading = escape(label + (f": {title}" if title else ""))
            return f'<div class="callout callout-{name}" role="note">\n<p class="callout-title">{heading}</p>\n'
        return "</div>\n"

    return render


def _callout_validator(name: str) -> Callable[[str, str], bool]:
    def validate(params: str, *args) -> bool:
        return params.strip().split(" ", 1)[0].lower() == name

    return validate


def build_markdown() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        .use(anchors_plugin, min_level=2, max_level=4, slug_func=slugify)
    )
    for name, label in CALLOUTS.items():
        md.use(container_plugin, name=name, validate=_callout_validator(name), render=_callout_renderer(name, label))
    md.core.ruler.push("figures", _mark_figures)
    md.add_render_rule("paragraph_open", _paragraph_open)
    md.add_render_rule("paragraph_close", _paragraph_close)
    md.add_render_rule("image", _image)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", lambda self, t, i, o, e: "</table></div>\n")
    return md


def _table_open(self, tokens, idx, options, env):
    """Each table sits in its own scroll box, so a wide one scrolls sideways on a phone instead of
    the page. A box that can scroll must take the keyboard focus (WCAG 2.1.1; axe
    `scrollable-region-focusable`), and a focusable box needs a role and a name: a region named by
    the heading of its section, or — for a further table in that section, or one without a
    heading — by its column headings."""
    heading = _section_heading(tokens, idx)
    named_by_heading = env.setdefault("tables_named_by_heading", set())
    if heading is not None and heading.attrGet("id") and heading.attrGet("id") not in named_by_heading:
        named_by_heading.add(heading.attrGet("id"))
        name = f'aria-labelledby="{escape(heading.attrGet("id"))}"'
    else:
        name = f'aria-label="{escape(_column_headings(tokens, idx) or "Tabelle")}"'
    return f'<div class="table-wrap" role="region" tabindex="0" {name}><table>\n'


def _section_heading(tokens, idx):
    return next((t for t in reversed(tokens[:idx]) if t.type == "heading_open"), None)


def _column_headings(tokens, idx) -> str:
    names = []
    for token in tokens[idx + 1:]:
        if token.type == "thead_close":
            break
        if token.type == "inline":
            text = "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline")).strip()
            if text:
                names.append(text)
    return ", ".join(names)


def _mark_figures(state) -> None:
    """A paragraph that holds nothing but an image with a title becomes a <figure> with caption."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        if tokens[i].type == "paragraph_open" and tokens[i + 1].type == "inline" and tokens[i + 2].type == "paragraph_close":
            children = [c for c in (tokens[i + 1].children or []) if not (c.type == "text" and not c.content.strip())]
            if len(children) == 1 and children[0].type == "image" and children[0].attrGet("title"):
                tokens[i].meta["figure"] = tokens[i + 2].meta["figure"] = children[0].meta["figure"] = True


def _paragraph_open(self, tokens, idx, options, env):
    if tokens[idx].meta.get("figure"):
        return "<figure>"
    return self.renderToken(tokens, idx, options, env)


def _paragraph_close(self, tokens, idx, options, env):
    if tokens[idx].meta.get("figure"):
        return "</figure>\n"
    return self.renderToken(tokens, idx, options, env)


def _image(self, tokens, idx, options, env):
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    src = escape(token.attrGet("src") or "")
    title = token.attrGet("title")
    img = f'<img src="{src}" alt="{escape(alt)}" loading="lazy">'
    if token.meta.get("figure"):
        return f"{img}<figcaption>{escape(title or '')}</figcaption>"
    if title:
        img = img[:-1] + f' title="{escape(title)}">'
    return img


MD = build_markdown()


def render(text: str, resolver: LinkResolver | None = None, line_offset: int = 0) -> Rendered:
    """Render Markdown; `line_offset` is added to token lines so problems point into the file."""
    env: dict = {}
    tokens = MD.parse(text, env)
    toc: list[dict] = []
    current_line = line_offset + 1
    for i, token in enumerate(tokens):
        if token.map:
            current_line = line_offset + token.map[0] + 1
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            toc.append({"level": int(token.tag[1]), "id": token.attrGet("id"), "text": tokens[i + 1].content})
        if token.type == "inline" and token.children:
            _resolve_inline(token.children, resolver, current_line)
    html = MD.renderer.render(tokens, MD.options, env)
    return Rendered(html=html, toc=toc)


class _UserContent:
    """Resolver for what users write (submissions, posts, session materials): links stay as
    written (unsafe schemes already become "#"), images are dropped — users upload no media
    here, and an image URL would make every reader's browser request it."""

    def link(self, target: str, line: int) -> str | None:
        return target

    def image(self, target: str, line: int) -> str | None:
        return None

    def problem(self, line: int, message: str) -> None:
        pass


def render_user_markdown(text: str | None) -> Markup:
    """User-written Markdown as safe HTML: raw HTML is off, markdown-it escapes it."""
    return Markup(_user_html(text or ""))  # noqa: S704  # nosec B704 - html=False: no raw HTML passes


@lru_cache(maxsize=256)
def _user_html(text: str) -> str:
    """The HTML of a user's text, kept per process by the text itself: a hand-in, a trainer's
    comment or a forum post is shown again and again, and its HTML depends on nothing but the
    text (the resolver keeps links and drops images, whoever reads). Markdown no longer runs on
    every view of the assignment page's versions (issue 17)."""
    return render(text, _UserContent()).html


def render_inline(text: str) -> str:
    return MD.renderInline(text)


def _resolve_inline(children: list[Token], resolver: LinkResolver | None, line: int) -> None:
    for child in children:
        if child.type == "link_open":
            href = child.attrGet("href") or ""
            if href.startswith("#") or _EXTERNAL.match(href):
                if _EXTERNAL.match(href) and not href.startswith(("http://", "https://", "mailto:")):
                    if resolver:
                        resolver.problem(line, f"link scheme not allowed: {href}")
                    child.attrSet("href", "#")
                elif href.startswith(("http://", "https://")):
                    child.attrSet("rel", "noopener noreferrer")
                continue
            if resolver:
                url = resolver.link(href, line)
                child.attrSet("href", url or "#")
        elif child.type == "image":
            src = child.attrGet("src") or ""
            alt = "".join(c.content for c in (child.children or []))
            if resolver and not alt.strip():
                resolver.problem(line, f"image {src!r} needs alt text: ![Beschreibung]({src})")
            if _EXTERNAL.match(src) or src.startswith("//"):
                if resolver:
                    resolver.problem(line, f"images must come from the module's media/ folder, not {src}")
                child.attrSet("src", "")
            elif resolver:
                child.attrSet("src", resolver.image(src, line) or "")
