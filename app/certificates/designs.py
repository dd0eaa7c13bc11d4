"""Certificate designs (certificates/<name>/design.yml and its images): read from disk, and
what an issued certificate keeps of them (colours, texts and the hashes of its images)."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=16)
def _read_design(path: str, mtime: float) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def load_design(designs_dir: str, name: str) -> dict:
    """The design as it is on disk now (re-read when the file changes)."""
    path = Path(designs_dir) / name / "design.yml"
    return _read_design(str(path), path.stat().st_mtime)


def design_snapshot(designs_dir: str, name: str) -> tuple[dict, dict[str, bytes]]:
    """What an issued certificate keeps of its design: colours, texts and the logo's hash, plus
    the image bytes by SHA-256 (stored once, shared by every certificate that uses them)."""
    raw = load_design(designs_dir, name)
    assets: dict[str, bytes] = {}
    logo = None
    if raw.get("logo"):
        logo = add_asset(assets, Path(designs_dir) / name / raw["logo"])
    design = {"name": name, "colours": dict(raw["colours"]), "texts": {lang: dict(t) for lang, t in raw["texts"].items()}, "logo": logo}
    return design, assets


def add_asset(assets: dict[str, bytes], path: Path) -> str:
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    assets[digest] = content
    return digest
