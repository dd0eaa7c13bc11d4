"""Development convenience: re-import courses/ when a file changed, before the next request.

On when COURSES_AUTO_RELOAD is true (default in development). Checks file modification times at
most once per second; a course with errors is not imported and the errors are logged."""
from __future__ import annotations

import time
from pathlib import Path

from flask import Flask


class CourseReloader:
    def __init__(self, app: Flask):
        self.app = app
        self.root = Path(app.config["COURSES_DIR"])
        self.checked_at = 0.0
        self.stamp = self._stamp()

    def _stamp(self) -> tuple:
        if not self.root.is_dir():
            return ()
        return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in self.root.rglob("*") if p.is_file()))

    def check(self) -> None:
        now = time.monotonic()
        if now - self.checked_at < 1.0:
            return
        self.checked_at = now
        stamp = self._stamp()
        if stamp == self.stamp:
            return
        self.stamp = stamp
        from app.catalogue.services import import_path
        from app.extensions import db

        reports, problems = import_path(self.root)
        for problem in problems:
            self.app.logger.warning("course reload: %s", problem)
        if any(p.severity == "error" for p in problems):
            db.session.rollback()
            return
        db.session.commit()
        for report in reports:
            self.app.logger.info("course reload: %s", report)


def register_reloader(app: Flask) -> None:
    if not app.config.get("COURSES_AUTO_RELOAD"):
        return
    reloader = CourseReloader(app)
    app.before_request(reloader.check)
