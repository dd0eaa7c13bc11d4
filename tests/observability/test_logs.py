"""JSON request logs: one line per request, with the fields operators need and no personal data."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest

from app.observability.logs import JsonFormatter


@pytest.fixture()
def json_logs(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    caplog.set_level(logging.INFO, logger="app.requests")

    def lines() -> list[dict]:
        formatter = JsonFormatter()
        return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "app.requests"]

    return lines


def test_one_line_per_request_with_hashed_user(app, login_as, make, json_logs):
    user = make.user(email="erika.lernt@example.net")
    browser = login_as(user)
    response = browser.get("/impressum")
    line = json_logs()[-1]
    assert {"ts", "level", "request_id", "user", "route", "method", "status", "duration_ms"} <= set(line)
    assert (line["route"], line["method"], line["status"]) == ("core.imprint", "GET", 200)
    assert line["duration_ms"] > 0
    assert line["request_id"] == response.headers["X-Request-ID"]
    expected = hmac.new(app.config["SECRET_KEY"].encode(), f"user:{user.id}".encode(), hashlib.sha256).hexdigest()[:16]
    assert line["user"] == expected
    raw = json.dumps(json_logs())
    assert "erika.lernt" not in raw and f'"user": {user.id}' not in raw and f'"user": "{user.id}"' not in raw


def test_anonymous_request_has_no_user_and_a_fresh_request_id(client, json_logs):
    first = client.get("/healthz", headers={"X-Request-ID": "vom-client-123"})
    second = client.get("/healthz")
    lines = json_logs()[-2:]
    assert [line["user"] for line in lines] == [None, None]
    # no trusted proxy (PROXY_COUNT=0): a client cannot choose the id that appears in the log
    assert first.headers["X-Request-ID"] != "vom-client-123"
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert [line["request_id"] for line in lines] == [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]


def test_the_proxys_request_id_is_kept_when_a_proxy_is_trusted(app, client, monkeypatch, json_logs):
    monkeypatch.setitem(app.config, "PROXY_COUNT", 1)
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a"}).headers["X-Request-ID"] == "nginx-4f2a"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" {"user":"admin"}'})
    assert forged.headers["X-Request-ID"] != 'x" {"user":"admin"}'
    assert json_logs()[-1]["request_id"] == forged.headers["X-Request-ID"]


def test_text_format_writes_no_request_line_and_no_header(client, caplog):
    caplog.set_level(logging.INFO, logger="app.requests")
    response = client.get("/healthz")
    assert "X-Request-ID" not in response.headers
    assert not [r for r in caplog.records if r.name == "app.requests"]


def test_production_format_puts_json_lines_on_the_app_logger(tmp_path):
    from app import create_app
    from app.config import TestConfig

    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}", LOG_FORMAT="json")
    logger = logging.getLogger("app")
    saved_handlers = list(logger.handlers)
    app = create_app(settings)
    handlers = [h for h in logger.handlers if isinstance(h.formatter, JsonFormatter)]
    try:
        assert len(handlers) == 1
        assert logger.getEffectiveLevel() <= logging.INFO
        record = logger.makeRecord("app.mail", logging.WARNING, __file__, 1, "zustellung %s", ("fehlgeschlagen",), None)
        with app.test_request_context("/"):
            line = json.loads(handlers[0].format(record))
        assert line["message"] == "zustellung fehlgeschlagen" and line["level"] == "WARNING" and line["request_id"]
    finally:
        logger.handlers[:] = saved_handlers  # the other tests' apps share the "app" logger
        logger.setLevel(logging.NOTSET)


@pytest.mark.parametrize("setting", [{"LOG_FORMAT": "yaml"}, {"METRICS_ALLOW_IPS": "10.0.0.0/8, intern"}])
def test_a_wrong_setting_refuses_to_start(tmp_path, setting):
    from app import create_app
    from app.config import ConfigError, TestConfig

    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}", **setting)
    with pytest.raises(ConfigError):
        create_app(settings)
