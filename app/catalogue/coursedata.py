"""A course as the loader reads it from its folder: plain objects (no Flask, no database), which
the importer (services.py) stores as models."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LessonData:
    slug: str
    position: int
    title: str
    minutes: int
    body_html: str
    toc: list[dict]
    source_path: str
    content_hash: str


@dataclass
class QuizData:
    slug: str
    title: str
    settings: dict
    intro_html: str
    questions: list[dict]
    content_hash: str


@dataclass
class AssignmentData:
    slug: str
    position: int
    title: str
    instructions_html: str
    settings: dict
    rubric: list[dict]
    content_hash: str


@dataclass
class MediaData:
    path: str
    content_type: str
    data: bytes
    sha256: str


@dataclass
class ModuleData:
    slug: str
    position: int
    title: str
    summary: str
    hours: float
    objectives: list[str]
    prerequisites: list[str]
    final_project: bool
    content_hash: str
    lessons: list[LessonData] = field(default_factory=list)
    quiz: QuizData | None = None
    assignments: list[AssignmentData] = field(default_factory=list)


@dataclass
class CourseData:
    slug: str
    title: str
    version: str
    language: str
    hours: float
    summary: str
    certificate: dict
    completion: dict
    content_hash: str
    modules: list[ModuleData] = field(default_factory=list)
    media: list[MediaData] = field(default_factory=list)
