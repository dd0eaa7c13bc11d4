"""app.security._SessionInterface: Flask's signed session cookie with its serializer and its
derived signing key kept per process. A cookie must still be readable exactly under the secret
keys that signed it: a new secret key drops old sessions unless the old key is a fallback, and
each app (tests build many in one process) reads only its own cookies."""
from __future__ import annotations

from flask import Flask, session


def _app(secret: str, fallbacks: list[str] | None = None) -> Flask:
    from app.security import _SessionInterface

    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=fallbacks or [])
    app.session_interface = _SessionInterface()

    @app.get("/set")
    def set_value():
        session["value"] = "kept"
        return "set"

    @app.get("/get")
    def get_value():
        return session.get("value", "none")

    return app


def _cookie(app: Flask) -> str:
    client = app.test_client()
    client.get("/set")
    return client.get_cookie("session").value


def _read(app: Flask, cookie: str) -> str:
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/get").get_data(as_text=True)


def test_a_cookie_is_read_only_under_the_keys_that_signed_it(app):  # `app`: app.security imports as in the campus app
    first, second = _app("first-secret"), _app("second-secret")
    cookie = _cookie(first)
    for _ in range(2):  # the second time from the kept derived keys
        assert _read(first, cookie) == "kept"
        assert _read(second, cookie) == "none"
        assert _read(_app("second-secret", fallbacks=["first-secret"]), cookie) == "kept"


def test_a_changed_secret_key_on_the_same_app_signs_and_reads_anew(app):
    from app.security import _KeyCachingSigner

    rotated = _app("old-secret")
    cookie = _cookie(rotated)
    rotated.secret_key = "new-secret"
    assert _read(rotated, cookie) == "none"
    new_cookie = _cookie(rotated)
    assert _read(rotated, new_cookie) == "kept" and _read(_app("old-secret"), new_cookie) == "none"
    assert rotated.session_interface.get_signing_serializer(rotated).signer is _KeyCachingSigner
