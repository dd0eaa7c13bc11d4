"""Structured logs for production (APP_ENV=production or LOG_FORMAT=json): every log record as one
JSON line, plus one line per request with request id, hashed user id, route, method, status and
duration. The development format is left as it is.

The user is named by an HMAC of their id under SECRET_KEY: lines of one user can be followed, but
the log holds neither the id nor the e-mail address."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from datetime import datetime, timezone
from functools import lru_cache

from flask import current_app, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_log = logging.getLogger("app.requests")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        elif has_request_context():
            line["request_id"] = request_id()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def configure_json_logging(app) -> None:
    """The app's loggers ("app", "app.*") write JSON lines to stderr instead of Flask's default format."""
    from flask.logging import default_handler

    logger = logging.getLogger(app.import_name)
    logger.removeHandler(default_handler)
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def request_id() -> str:
    """The proxy's X-Request-ID when a trusted proxy is in front (PROXY_COUNT) and it looks like an
    id, otherwise a new one; the same for the whole request."""
    environ = request.environ
    rid = environ.get("scc.request_id")
    if rid is None:
        incoming = request.headers.get(REQUEST_ID_HEADER) if current_app.config["PROXY_COUNT"] else None
        rid = incoming if incoming and _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
        environ["scc.request_id"] = rid
    return rid


@lru_cache(maxsize=4096)
def _user_hash(secret: str, user_id: int) -> str:
    return hmac.new(secret.encode(), f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def hashed_user() -> str | None:
    """Only a user the request already loaded: asking Flask-Login here would cost a query on
    pages that never looked at the session."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _user_hash(current_app.config["SECRET_KEY"], user.id)


def log_request(response, seconds: float) -> None:
    rid = request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    request_log.info(
        "request",
        extra={"fields": {
            "request_id": rid,
            "user": hashed_user(),
            "route": request.endpoint or "none",
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
        }},
    )
