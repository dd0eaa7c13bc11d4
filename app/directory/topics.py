"""Topics of a directory entry, as typed by a person. Pure."""
from __future__ import annotations

import re
import unicodedata

MAX_TOPICS = 12
MAX_TOPIC_CHARS = 60


def normalise(topic: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", topic).casefold().split())


def parse(text: str | None) -> list[str]:
    """"Open Data; smart parking, Open data" → ["Open Data", "smart parking"]: split on commas,
    semicolons and line breaks, trimmed, duplicates (ignoring case) dropped, at most 12."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in re.split(r"[,;\n\r]+", text or ""):
        topic = " ".join(raw.split())[:MAX_TOPIC_CHARS].strip()
        key = normalise(topic)
        if topic and key not in seen:
            seen.add(key)
            result.append(topic)
    return result[:MAX_TOPICS]


def search_key(topics: list[str]) -> str:
    return "|" + "|".join(normalise(t) for t in topics) + "|" if topics else ""
