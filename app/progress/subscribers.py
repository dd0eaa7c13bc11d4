"""What progress does when something happens elsewhere (app.events). `subscribe()` is called
once from create_app; nothing here connects on import."""
from __future__ import annotations

from app import events
from app.progress.services import refresh_course_totals


def subscribe() -> None:
    events.course_imported.connect(recount_on_import)


def recount_on_import(course, **_kwargs) -> None:
    """New or archived items change what every enrolment of the course has left to do."""
    refresh_course_totals(course)
