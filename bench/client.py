"""A small browser-like HTTP client for the benchmarks: cookies, CSRF tokens, multipart uploads,
no redirects followed. Standard library only, so it runs wherever the app runs.

Also the two bits of page reading the load scripts share: the CSRF token of a page and a
plausible set of answers for a quiz attempt page."""
from __future__ import annotations

import http.cookiejar
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str | None:
    match = CSRF.search(html)
    return match.group(1) if match else None


class _QuizForm(HTMLParser):
    """Collects the answer fields of a quiz attempt form (see templates/quizzes/_question.html)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "input" and name.startswith("q-"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                self.fields.setdefault(name, a.get("value", ""))
            elif kind == "text":
                self.fields.setdefault(name, "42" if a.get("inputmode") == "decimal" else "Smart City")
        elif tag == "select" and name.startswith("q-"):
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            self.fields.setdefault(self._select, a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def quiz_answers(html: str) -> dict[str, str]:
    """One answer per question field of an attempt page: the first option of each choice, a word
    or a number in text fields. Usually not a pass, which keeps the quiz repeatable."""
    parser = _QuizForm()
    parser.feed(html)
    return parser.fields


class Client:
    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, timeout: float = 30):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)
        self.token: str | None = None

    def request(self, path: str, data: dict | None = None, files: dict | None = None) -> tuple[int, str, dict]:
        """(status, body, headers); non-2xx answers are returned, not raised."""
        body, headers = None, {}
        if files:
            boundary = "----scc-bench-" + secrets.token_hex(8)
            parts = []
            for key, value in (data or {}).items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
            for key, (filename, content, content_type) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
                    f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, text, answer_headers = response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, text, answer_headers = error.code, error.read().decode("utf-8", "replace"), dict(error.headers)
        token = csrf_token(text)
        if token:
            self.token = token
        return status, text, answer_headers

    def get(self, path: str) -> tuple[int, str, dict]:
        return self.request(path)

    def post(self, path: str, data: dict | None = None, files: dict | None = None) -> tuple[int, str, dict]:
        if self.token is None:
            self.get("/anmelden")
        return self.request(path, {**(data or {}), "csrf_token": self.token}, files)

    def login(self, email: str, password: str) -> None:
        self.get("/anmelden")
        status, _, _ = self.post("/anmelden", {"email": email, "password": password})
        if status != 302:
            raise RuntimeError(f"login of {email} failed with HTTP {status}")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wait_until_up(base: str, seconds: float = 60, path: str = "/healthz") -> None:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + path, timeout=2).close()
            return
        except (OSError, urllib.error.URLError) as exc:
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"{base}{path} did not answer within {seconds:.0f} s: {last}")
