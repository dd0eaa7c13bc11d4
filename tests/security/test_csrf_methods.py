"""app.security._check_csrf_only_on_methods_it_covers: Flask-WTF's check runs for POST, PUT,
PATCH and DELETE as before (token, exemptions) and is skipped on GET, where it never checked."""
from __future__ import annotations

from flask import Flask
from flask_wtf import CSRFProtect
from flask_wtf.csrf import generate_csrf


def _app():
    from app.security import _check_csrf_only_on_methods_it_covers

    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_TIME_LIMIT=None)
    csrf = CSRFProtect(app)

    @app.route("/form", methods=["GET", "POST", "PUT", "DELETE"])
    def form():
        return generate_csrf() if app.config.get("TOKEN_PAGE") else "ok"

    @app.post("/hook")
    @csrf.exempt
    def hook():
        return "exempt"

    _check_csrf_only_on_methods_it_covers(app)
    return app, csrf


def test_unsafe_methods_are_checked_as_before_and_get_skips_the_exemption_lookup(app, monkeypatch):
    """(`app`: the campus app is built first, so app.security imports as it does there.)"""
    app, csrf = _app()  # a small app of its own with Flask-WTF and the wrapped check
    assert all(getattr(h, "__module__", "") != "flask_wtf.csrf" for h in app.before_request_funcs[None])
    looked_up = []
    original = csrf._is_exempt
    monkeypatch.setattr(csrf, "_is_exempt", lambda: looked_up.append(1) or original())
    client = app.test_client()
    assert client.get("/form").status_code == 200 and looked_up == []
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/form").status_code == 400  # no token
    assert len(looked_up) == 3
    assert client.post("/hook").status_code == 200  # exempt, as before
    app.config["TOKEN_PAGE"] = True
    token = client.get("/form").get_data(as_text=True)
    assert client.post("/form", data={"csrf_token": token}).status_code == 200
    app.config["WTF_CSRF_METHODS"] = ["POST", "GET"]  # read per request, like Flask-WTF
    assert client.get("/form").status_code == 400


def test_the_campus_app_refuses_a_post_without_token_and_pages_need_none(client):
    assert client.get("/impressum").status_code == 200
    assert client.post("/sprache", data={"lang": "en"}).status_code == 400
