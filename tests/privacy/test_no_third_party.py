"""DSGVO: no page makes the browser contact another host, and no cookie but the session cookie
is ever set — checked over every page without URL arguments for every role, the pages of a
learner's course, a trainer's cohort, user content with an image URL, login and logout."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

# attributes that make the browser fetch something (or send something) without a click
RESOURCE_ATTRIBUTES = {
    "link": ("href",), "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"),
    "iframe": ("src",), "frame": ("src",), "video": ("src", "poster"), "audio": ("src",), "track": ("src",),
    "embed": ("src",), "object": ("data",), "input": ("src",), "form": ("action",), "image": ("href",),
    "use": ("href",), "meta": ("content",),
}
SKIP_PREFIXES = ("/static/", "/api/", "/healthz")


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in RESOURCE_ATTRIBUTES.get(tag, ()) and value:
                if tag == "meta":  # only a refresh can load another page
                    if dict(attrs).get("http-equiv", "").lower() != "refresh":
                        continue
                    value = value.split("url=", 1)[-1]
                for part in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((tag, name, part.strip().split(" ")[0]))
            if name == "style" and value and "url(" in value:
                self.urls.append((tag, name, value))


def foreign_resources(html: str) -> list[tuple[str, str, str]]:
    parser = _Resources()
    parser.feed(html)
    found = []
    for tag, name, url in parser.urls:
        if name == "style":
            found.append((tag, name, url))
            continue
        parts = urlsplit(url.replace("\\", "/"))
        if parts.netloc and parts.hostname not in ("localhost",):
            found.append((tag, name, url))
        elif parts.scheme and parts.scheme not in ("http", "https", "data"):
            found.append((tag, name, url))
    return found


def check_response(app, response, url: str) -> None:
    cookies = response.headers.getlist("Set-Cookie")
    names = {c.split("=", 1)[0] for c in cookies}
    assert names <= {app.config["SESSION_COOKIE_NAME"]}, f"{url} sets cookies {names}"
    if response.mimetype == "text/html":
        foreign = foreign_resources(response.get_data(as_text=True))
        assert not foreign, f"{url} loads from other hosts: {foreign}"


def argument_free_pages(app) -> list[str]:
    return sorted({
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(SKIP_PREFIXES)
    })


def visit(app, browser, urls) -> int:
    checked = 0
    for url in urls:
        response = browser.get(url)
        check_response(app, response, url)
        checked += response.mimetype == "text/html"
    return checked


@pytest.fixture()
def world(db, make, rich):
    from app.discussions.models import DiscussionThread
    from app.discussions.services import reply

    thread = db.session.scalar(select(DiscussionThread))
    reply(thread, rich.trainer, "Schauen Sie hier: ![Bild](https://tracker.example/pixel.png) und "
                                "![Bild](//tracker.example/p.png) und ![Bild](/\\tracker.example/p.png)")
    users = {"learner": rich.user, "trainer": rich.trainer}
    for role in ("agency", "admin"):
        users[role] = make.user(role)
    db.session.commit()
    return {"users": users, "thread": thread, "rich": rich}


def test_helper_finds_foreign_resources():
    html = ('<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/x.js"></script>'
            '<img src="/static/a.png" srcset="/a.png 1x, https://img.example/a.png 2x"><a href="https://example.org">ok</a>'
            '<img src="/\\evil.example/p.png"><form action="https://collect.example/"></form><img src="http://localhost/x.png">')
    assert [u for _t, _n, u in foreign_resources(html)] == [
        "https://cdn.example/x.css", "//cdn.example/x.js", "https://img.example/a.png", "/\\evil.example/p.png",
        "https://collect.example/"]


def test_no_page_loads_anything_from_another_host_and_only_the_session_cookie_is_set(app, db, browser, world):
    from app.certificates.models import Certificate
    from app.quizzes.models import QuizAttempt
    from app.assignments.models import Submission

    pages = argument_free_pages(app)
    checked = visit(app, browser, pages)  # anonymous
    rich = world["rich"]
    certificate = db.session.scalar(select(Certificate))
    visit(app, browser, [f"/verify/{certificate.code}"])

    for role, user in world["users"].items():
        browser.get("/anmelden")
        response = browser.post("/anmelden", {"email": user.email, "password": "ein-sicheres-passwort"})
        check_response(app, response, f"login as {role}")
        checked += visit(app, browser, pages)
        if role == "learner":
            attempt = db.session.scalar(select(QuizAttempt))
            checked += visit(app, browser, [
                "/kurse/kurz-kurs", "/kurse/kurz-kurs/01-grundlagen", "/kurse/kurz-kurs/01-grundlagen/die-charta",
                "/kurse/kurz-kurs/01-grundlagen/quiz", f"/versuche/{attempt.id}/auswertung",
                "/kurse/kurz-kurs/02-abschluss/aufgaben/reflexion", f"/diskussionen/themen/{world['thread'].id}",
                f"/kohorten/{rich.enrolment.cohort_id}/diskussionen",
            ])
        if role == "trainer":
            submission = db.session.scalar(select(Submission))
            checked += visit(app, browser, [
                f"/kohorten/{rich.enrolment.cohort_id}", f"/kohorten/{rich.enrolment.cohort_id}/matrix",
                f"/bewertung/{submission.id}", f"/diskussionen/themen/{world['thread'].id}",
                f"/zertifikate/{certificate.id}",
            ])
        response = browser.post("/abmelden")
        check_response(app, response, f"logout as {role}")
    assert checked > 60  # the pages were really rendered, not just redirects


def test_static_files_fetch_nothing_from_elsewhere():
    static = Path(__file__).resolve().parents[2] / "app" / "static"
    pattern = re.compile(r"""(url\(\s*['"]?\s*(https?:)?//|@import\s+(url\()?\s*['"]?\s*(https?:)?//|fetch\(\s*['"]https?://|XMLHttpRequest)""")
    offenders = [
        str(path.relative_to(static)) for path in static.rglob("*")
        if path.suffix in (".css", ".js", ".svg") and pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders
