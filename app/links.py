"""Links that leave the site — in mails, QR codes, calendar files, exports and credentials — are
built here, on BASE_URL, and nowhere else.

Why BASE_URL and not `url_for(..., _external=True)`: a link in a mail or on a printed certificate
must name the public address whoever asked for it — a page request, a CLI command, a worker —
and whatever Host header a request came with (a forged one must not put another host into a
password-reset mail). `url_for` outside a request needs a request context or SERVER_NAME, and
inside one it takes host and script root from the request.

What stays on `url_for(..., _external=True)`, the request's own address, and why: see
docs/architecture.md, "Seams"."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def base_url() -> str:
    """BASE_URL without a trailing slash, e.g. `https://campus.example.de` (or with a path)."""
    return current_app.config["BASE_URL"].rstrip("/")


def site_url(path: str) -> str:
    """BASE_URL plus a fixed path: for addresses that must never change with the routes, such as
    the verification link in issued certificates' QR codes (`/verify/<code>`)."""
    return base_url() + "/" + path.lstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """The absolute URL of a route on BASE_URL; in a request, outside one, behind a proxy alike.
    Values that the route does not take become the query string, as with url_for."""
    base = urlsplit(base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
