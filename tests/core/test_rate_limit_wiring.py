"""Flask-Limiter's per-request check runs only where a limit is declared (app/extensions.py,
check_limits_only_where_declared): the app's pages without a limit skip it, the decorated views
stay limited, and any default, application or blueprint limit keeps the check on every page."""
from __future__ import annotations

import flask.globals
import pytest
from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.extensions import check_limits_only_where_declared


def _app(limiter: Limiter, blueprint_limit: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_HEADERS_ENABLED=True)
    pages = Blueprint("pages", __name__)

    @pages.get("/open")
    def open_page():
        return "open"

    @pages.post("/login")
    @limiter.limit("2 per minute")
    def login():
        return "tried"

    if blueprint_limit:
        limiter.limit(blueprint_limit)(pages)
    app.register_blueprint(pages)
    limiter.init_app(app)
    return app


def test_without_declared_page_limits_the_check_goes_and_decorated_views_stay_limited():
    limiter = Limiter(key_func=get_remote_address, default_limits=[])
    app = _app(limiter)
    assert check_limits_only_where_declared(app, limiter) is True
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    client = app.test_client()
    assert [client.post("/login").status_code for _ in range(3)] == [200, 200, 429]
    assert client.post("/login").headers.get("Retry-After")
    assert all(client.get("/open").status_code == 200 for _ in range(5))


@pytest.mark.parametrize("kind", ["default", "application", "blueprint"])
def test_a_default_application_or_blueprint_limit_keeps_the_check(kind):
    limiter = Limiter(key_func=get_remote_address, default_limits=["3 per minute"] if kind == "default" else [],
                      application_limits=["3 per minute"] if kind == "application" else [])
    app = _app(limiter, blueprint_limit="3 per minute" if kind == "blueprint" else None)
    assert check_limits_only_where_declared(app, limiter) is False
    client = app.test_client()
    assert [client.get("/open").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_campus_app_drops_the_check_and_keeps_its_login_limit(app):
    from app.extensions import limiter

    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])


def test_limiter_after_request_and_teardown_run_only_where_a_limit_was_checked():
    """Its after_request hook and teardown are wrapped: a page without a limit skips them, a
    decorated view still gets its X-RateLimit headers, its Retry-After, and a state reset per request."""
    limiter = Limiter(key_func=get_remote_address, default_limits=[])
    app = _app(limiter)
    assert check_limits_only_where_declared(app, limiter) is True
    assert not any(getattr(hook, "func", None) is Limiter._Limiter__inject_headers for hook in app.after_request_funcs[None])
    assert limiter._Limiter__release_context not in app.teardown_request_funcs[None]
    client = app.test_client()
    first = client.post("/login")
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("2", "1")
    assert client.post("/login").headers["X-RateLimit-Remaining"] == "0"
    refused = client.post("/login")
    assert refused.status_code == 429 and refused.headers["Retry-After"] and refused.headers["X-RateLimit-Limit"] == "2"
    with app.test_request_context("/open"):
        app.preprocess_request()
        response = app.process_response(app.make_response("open"))
        assert "X-RateLimit-Limit" not in response.headers
        assert not hasattr(flask.globals.request_ctx._get_current_object(), "_limiter_request_context")


def test_limiter_hooks_stay_when_its_state_lives_elsewhere():
    class OtherLimiter(Limiter):
        @property
        def context(self):
            return super().context

    limiter = OtherLimiter(key_func=get_remote_address, default_limits=[])
    app = _app(limiter)
    assert check_limits_only_where_declared(app, limiter) is True
    assert any(getattr(hook, "func", None) is Limiter._Limiter__inject_headers for hook in app.after_request_funcs[None])
    client = app.test_client()
    assert client.post("/login").headers["X-RateLimit-Limit"] == "2"
