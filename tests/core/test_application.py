"""app.application.Application: Flask with `ensure_sync` remembered for plain functions. An
`async def` hook or view must still be run through `async_to_sync` on every request, and each app
keeps its own memory."""
from __future__ import annotations

import flask.app

from app.application import Application


def _app(converted: list) -> Application:
    app = Application(__name__)

    def run_to_completion(func):  # stands in for asgiref's async_to_sync (not installed)
        converted.append(func.__name__)

        def run(*args, **kwargs):
            # driven by hand, not asyncio.run(): in the full suite another test's loop may be
            # running in this thread; these coroutines await nothing
            coroutine = func(*args, **kwargs)
            try:
                coroutine.send(None)
            except StopIteration as done:
                return done.value
            raise AssertionError("the coroutine awaited something")

        return run

    app.async_to_sync = run_to_completion

    @app.before_request
    async def async_hook():
        flask.g.seen = "hook"

    @app.get("/async")
    async def async_page():
        return f"async page after {flask.g.seen}"

    @app.get("/plain")
    def plain_page():
        return "plain page"

    return app


def test_async_functions_are_converted_on_every_request_plain_ones_asked_once(monkeypatch):
    converted: list[str] = []
    app = _app(converted)
    asked = []
    original = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda func: asked.append(func) or original(func))
    client = app.test_client()
    for _ in range(3):
        assert client.get("/async").get_data(as_text=True) == "async page after hook"
    assert converted == ["async_hook", "async_page"] * 3
    assert client.get("/plain").get_data(as_text=True) == "plain page"
    asked.clear()
    assert client.get("/plain").get_data(as_text=True) == "plain page"
    # the async hook is asked (and converted) again; the plain view no more
    assert [func.__name__ for func in asked] == ["async_hook"]
    assert converted[-1] == "async_hook"


def test_each_app_remembers_its_own_functions():
    first, second = _app([]), _app([])
    first.test_client().get("/plain")
    assert first._synchronous and not second._synchronous
    assert second.test_client().get("/plain").get_data(as_text=True) == "plain page"


def test_an_unhashable_callable_is_asked_every_time():
    class Unhashable:
        __hash__ = None

        def __call__(self):
            return "called"

    app = Application(__name__)
    handler = Unhashable()
    assert app.ensure_sync(handler) is handler
    assert app.ensure_sync(handler)() == "called"
