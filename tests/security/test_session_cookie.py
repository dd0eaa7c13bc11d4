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


def test_a_verified_cookie_is_not_verified_again(app, monkeypatch):
    reader = _app("the-secret")
    cookie = _cookie(reader)
    serializer = reader.session_interface.get_signing_serializer(reader)
    verified = []
    loads = serializer.loads
    monkeypatch.setattr(serializer, "loads", lambda *args, **kwargs: verified.append(1) or loads(*args, **kwargs))
    assert [_read(reader, cookie) for _ in range(3)] == ["kept"] * 3
    assert len(verified) == 1
    assert _read(reader, cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB")) == "none"  # not the same bytes: verified, refused


def test_a_kept_cookie_expires_when_a_verified_one_would(app, monkeypatch):
    import time
    from datetime import timedelta

    reader = _app("the-secret")
    reader.permanent_session_lifetime = timedelta(minutes=10)
    cookie = _cookie(reader)
    assert _read(reader, cookie) == "kept"  # kept from here on
    now = time.time()
    for offset, expected in ((9 * 60, "kept"), (11 * 60, "none"), (-60, "none")):  # a cookie from the future: refused too
        monkeypatch.setattr(time, "time", lambda: now + offset)
        fresh = _app("the-secret")  # nothing kept: itsdangerous decides
        fresh.permanent_session_lifetime = reader.permanent_session_lifetime
        assert (_read(reader, cookie), _read(fresh, cookie)) == (expected, expected), offset


def test_what_a_request_does_to_its_session_never_reaches_the_next_read_of_the_cookie(app):
    reader = _app("the-secret")

    @reader.get("/change")
    def change():
        session["value"] = "changed"
        return session["value"]

    @reader.get("/list")
    def make_list():
        session["items"] = ["a"]
        return "list"

    @reader.get("/append")
    def append():
        session["items"].append("b")  # in place: Flask writes no cookie for it
        return ",".join(session["items"])

    cookie = _cookie(reader)
    client = reader.test_client()
    client.set_cookie("session", cookie)
    assert client.get("/change").get_data(as_text=True) == "changed"
    assert _read(reader, cookie) == "kept"  # the old cookie still says what it said

    client = reader.test_client()
    client.get("/list")
    listed = client.get_cookie("session").value
    for _ in range(2):
        appender = reader.test_client()
        appender.set_cookie("session", listed)
        assert appender.get("/append").get_data(as_text=True) == "a,b"


def test_a_page_that_writes_no_cookie_still_says_it_varies_with_the_cookie(app):
    reader = _app("the-secret")

    @reader.get("/by-language")
    def by_language():
        return session.get("value", "none"), {"Vary": "Accept-Language"}

    client = reader.test_client()
    client.get("/set")
    page = client.get("/get")
    assert page.headers.getlist("Vary") == ["Cookie"] and "Set-Cookie" not in page.headers
    assert client.get("/by-language").headers.getlist("Vary") == ["Accept-Language, Cookie"]
    assert client.get("/set").headers.getlist("Vary") == ["Cookie"] and "Set-Cookie" in client.get("/set").headers
