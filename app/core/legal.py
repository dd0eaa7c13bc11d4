"""Imprint, privacy notice and accessibility statement: Markdown texts with the operator's
details from the configuration. LEGAL_DIR may point at a folder with the operator's own
impressum.md / datenschutz.md / barrierefreiheit.md; missing files fall back to app/legal/."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import current_app

from app.catalogue.markdown import render

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "legal"
PAGES = {"impressum": "impressum.md", "datenschutz": "datenschutz.md", "barrierefreiheit": "barrierefreiheit.md"}


def _path(name: str) -> Path:
    custom = current_app.config.get("LEGAL_DIR")
    if custom and (Path(custom) / PAGES[name]).is_file():
        return Path(custom) / PAGES[name]
    return DEFAULT_DIR / PAGES[name]


@lru_cache(maxsize=32)
def _render(path: str, mtime_ns: int, values: tuple) -> str:
    text = Path(path).read_text(encoding="utf-8")
    for key, value in values:
        text = text.replace("{" + key + "}", value)
    return render(text).html


def legal_html(name: str) -> str:
    path = _path(name)
    config = current_app.config
    values = tuple(sorted({
        "operator_name": config["OPERATOR_NAME"],
        "operator_address": config["OPERATOR_ADDRESS"],
        "operator_email": config["OPERATOR_EMAIL"],
        "dpo_contact": config["DPO_CONTACT"],
    }.items()))
    return _render(str(path), path.stat().st_mtime_ns, values)
