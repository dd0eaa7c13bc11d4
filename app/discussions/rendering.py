"""User-written Markdown (discussion posts, session materials) → safe HTML.

The course renderer with raw HTML off; links keep their target (unsafe schemes are already
turned into "#"), images are dropped: users cannot upload media here, and an image URL would make
every reader's browser request it."""
from __future__ import annotations

from markupsafe import Markup

from app.catalogue.markdown import render


class _UserContent:
    def link(self, target: str, line: int) -> str | None:
        return target

    def image(self, target: str, line: int) -> str | None:
        return None

    def problem(self, line: int, message: str) -> None:
        pass


def render_user_markdown(text: str) -> Markup:
    return Markup(render(text or "", _UserContent()).html)
