"""Domain errors and the HTML/JSON error pages. Error pages are generic: no tracebacks, no details."""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from app import clock


class DomainError(Exception):
    """An action cannot be carried out; the message is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    pass


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def register_error_handlers(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Keep what the exception says in headers (Allow on 405, Retry-After on 429), not its HTML type.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        retry_after = _retry_after() if exc.code == 429 else None  # the limiter adds the Retry-After header itself
        if _wants_json():
            body = {"error": exc.name, "status": exc.code}
            if retry_after is not None:
                body.update(detail=f"Rate limit exceeded ({exc.description}).", retry_after=retry_after)
                headers.append(("Cache-Control", "no-store"))
            return jsonify(body), exc.code, headers
        template = {403: "errors/403.html", 404: "errors/404.html", 429: "errors/429.html", 503: "errors/503.html"}.get(exc.code, "errors/generic.html")
        return render_template(template, error=exc, retry_after=retry_after), exc.code, headers

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from app.extensions import db

        db.session.rollback()
        if _wants_json():
            return jsonify({"error": "Internal Server Error", "status": 500}), 500
        return render_template("errors/500.html"), 500


def _retry_after() -> int | None:
    """Seconds until the breached rate limit lets the client in again (None: not a rate limit)."""
    from app.extensions import limiter

    breached = limiter.current_limit
    return max(int(breached.reset_at - clock.timestamp()), 1) if breached else None
