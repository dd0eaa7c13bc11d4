"""Two gunicorn app servers on different ports, one worker (`flask --app wsgi worker`), one
PostgreSQL database, Redis for rate limits and the job queue, the files in a shared directory or
(second run) in S3 (moto_server on 127.0.0.1): a session started on one is valid on the other, a
file uploaded through one is served by the other, the login rate limit counts across both, and a
mail queued on one is delivered by the worker (docs/deployment.md, "Two app servers and a worker")."""
from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.upload_memory import PREPARE as PREPARE_UPLOADS  # the module opened, the assignment takes PDFs up to argv[1] MB
from tests.conftest import free_port, worker_id
from tests.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# The job queue in its own database (the rate-limit tests flush 15), under a namespace per run
JOBS_REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/14")


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") or not _redis_available(),
    reason="needs PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL); CI provides both",
)


class Client:
    """A browser-like HTTP client: cookies and CSRF tokens, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)
        self.token = None

    def request(self, url: str, data: dict | None = None, files: dict | None = None) -> tuple[int, str]:
        body, headers = None, {}
        if files:
            boundary = "----scc-boundary"
            parts = []
            for key, value in (data or {}).items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
            for key, (filename, content, content_type) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(urllib.request.Request(url, data=body, headers=headers), timeout=20) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if match:
            self.token = match.group(1)
        return status, text

    def post(self, url: str, data: dict, files: dict | None = None) -> tuple[int, str]:
        return self.request(url, {**data, "csrf_token": self.token}, files)


ASSIGNMENT = "/kurse/kurz-kurs/02-abschluss/aufgaben/reflexion"


class Servers(list):
    """The app servers' base URLs (unpack them), and the run's folder (`tmp`: mail, worker.log)."""

    def __init__(self, urls, tmp: Path):
        super().__init__(urls)
        self.tmp = tmp


@pytest.fixture(scope="module", params=["shared directory", "s3"])
def servers(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two-servers")
    url = fresh_database(tmp, f"deploy_{worker_id(request)}")
    storage = {"FILE_STORAGE_DIR": str(tmp / "shared-files")}
    if request.param == "s3":
        s3 = request.getfixturevalue("s3_server")
        storage = s3.environment_for(s3.new_bucket())
    env = {
        **os.environ, "DATABASE_URL": url, "SECRET_KEY": "shared-secret-for-both-servers", "APP_ENV": "production",
        "SESSION_COOKIE_SECURE": "0", "RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_RATE_LIMIT": "6 per minute",
        **storage, "COURSES_DIR": str(ROOT / "tests" / "data" / "courses"),
        "MAIL_DIR": str(tmp / "mail"), "DEMO_PASSWORD": "ein-sicheres-passwort",
        "CERTIFICATE_SIGNING_KEY": os.environ.get("CERTIFICATE_SIGNING_KEY", ""),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["courses", "import", str(ROOT / "tests" / "data" / "courses")], ["demo", "seed", "--course", "kurz-kurs"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", PREPARE_UPLOADS, "2"], cwd=ROOT, env=env, check=True, capture_output=True)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    namespace = f"scc-deploy-{worker_id(request)}-{os.getpid()}"
    # The app servers queue jobs in Redis and deliver nothing themselves (their MAIL_DIR stays
    # empty); the worker delivers into its own MAIL_DIR.
    env.update(JOBS_REDIS_URL=JOBS_REDIS_URL, JOBS_NAMESPACE=namespace, MAIL_DIR=str(tmp / "mail-app-servers"))
    processes, urls = [], []
    worker_log = open(tmp / "worker.log", "wb")
    processes.append(subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env={**env, "MAIL_DIR": str(tmp / "mail")},
        stdout=worker_log, stderr=subprocess.STDOUT,
    ))
    for _ in range(2):
        port = free_port()
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        urls.append(f"http://127.0.0.1:{port}")
    for base in urls:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"{base} did not start")
    yield Servers(urls, tmp)
    for process in processes:
        process.terminate()
        process.wait(timeout=30)
    jobs_redis = redis.Redis.from_url(JOBS_REDIS_URL)
    for key in jobs_redis.scan_iter(f"{namespace}:*"):
        jobs_redis.delete(key)


def login(client: Client, base: str, password: str = "ein-sicheres-passwort") -> int:
    client.request(f"{base}/anmelden")
    status, _ = client.post(f"{base}/anmelden", {"email": "learner@example.org", "password": password})
    return status


def test_a_session_started_on_one_server_is_valid_on_the_other(servers):
    first, second = servers
    client = Client()
    assert login(client, first) == 302
    status, page = client.request(f"{second}/lernstand")
    assert status == 200 and "Lena Lernende" in page


def test_signing_out_everywhere_on_one_server_ends_a_copied_cookie_on_the_other_within_the_bound(servers):
    """Each server process keeps the login check until PostgreSQL notifies a change
    (app.accounts.login_cache, triggers from `flask db upgrade`): the copy, kept by the second
    server, is refused there within LOGIN_CACHE_MAX_LAG_SECONDS (1 s) of the sign-out."""
    first, second = servers
    client, copy = Client(), Client()
    assert login(client, first) == 302
    for cookie in client.jar:
        copy.jar.set_cookie(cookie)
    for _ in range(5):  # read, kept once the second server's listener has confirmed
        assert copy.request(f"{second}/profil")[0] == 200
        time.sleep(0.05)
    client.request(f"{first}/profil")
    assert client.post(f"{first}/abmelden/ueberall", {})[0] == 302
    ended = time.monotonic()
    while copy.request(f"{second}/profil")[0] == 200:
        assert time.monotonic() - ended < 1.0, "the second server still served the ended session after 1 s"
        time.sleep(0.01)


def test_the_login_rate_limit_counts_across_both_servers(servers):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # start from zero: other tests logged in too
    first, second = servers
    client = Client()
    statuses = []
    for attempt in range(8):
        base = (first, second)[attempt % 2]
        statuses.append(login(client, base, password="falsch-falsch-falsch"))
    assert statuses[:6] == [401] * 6
    assert statuses[6:] == [429, 429]


def test_a_file_uploaded_through_one_server_is_downloaded_from_the_other(servers, request):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the rate-limit test used up the logins
    first, second = servers
    client = Client()
    assert login(client, first) == 302
    client.request(f"{first}{ASSIGNMENT}")
    content = b"%PDF-1.4\n" + bytes(range(256)) * 4096 + b"\n%%EOF\n"  # 1 MB
    status, _ = client.post(f"{first}{ASSIGNMENT}", {"text": "Mit Anhang", "action": "save"},
                            files={"files": ("bericht.pdf", content, "application/pdf")})
    assert status == 302
    _, page = client.request(f"{second}{ASSIGNMENT}")
    [link] = re.findall(r'href="(/abgaben/dateien/\d+)"', page)
    with client.opener.open(f"{second}{link}", timeout=20) as response:
        assert response.status == 200 and response.read() == content
    if request.node.callspec.params["servers"] == "s3":  # the bytes are in the bucket, not on a disk
        s3 = request.getfixturevalue("s3_server").client()
        sizes = [item["Size"] for bucket in s3.list_buckets()["Buckets"]
                 for item in s3.list_objects_v2(Bucket=bucket["Name"], Prefix="dateien/").get("Contents", [])]
        assert len(content) in sizes


def test_a_mail_queued_on_one_server_is_delivered_by_the_worker(servers):
    first, _second = servers
    client = Client()
    client.request(f"{first}/passwort-vergessen")
    status, _ = client.post(f"{first}/passwort-vergessen", {"email": "learner@example.org"})
    assert status == 302
    folder = servers.tmp
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mails = [m for m in (folder / "mail").glob("*.eml") if "learner@example.org" in m.read_text(errors="replace")]
        if mails:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not deliver the mail within 30 s:\n" + (folder / "worker.log").read_text(errors="replace")[-3000:])
    assert "/passwort-neu/" in mails[-1].read_text(errors="replace")
    assert not list((folder / "mail-app-servers").glob("*.eml"))  # the app servers delivered nothing themselves
