"""A gunicorn worker's resident memory while a learner uploads, then downloads, a 100 MB file.

    PYTHONPATH=$PWD .venv/bin/python -m bench.upload_memory [--mb 100] [--stores local,s3] [--runs 1] [--parallel 1]

For each store (the local directory, and S3 on a `moto_server` on 127.0.0.1 started by this
script as in the tests) it builds a throw-away SQLite database with the test course
(tests/data/courses), lets the assignment "reflexion" take PDF files of up to `--mb` + 10 MB (the
assignment's own `max_file_mb` setting, as a course author would set it — the product default of
20 MB stays), starts ONE gunicorn worker (gthread, 2 threads, as in docs/deployment.md), signs in
as the demo learner and uploads one PDF of `--mb` MB through the real upload form, streamed from
this process (never held whole here either), then downloads it again through the app.

The worker's VmRSS (/proc/<pid>/status) is sampled every 50 ms: before (after a warm-up request
to the assignment page), the peak during the upload, after it, the peak during the download and
after it. The goal (issue 17): under 150 MiB per worker. `--check` exits 1 when a peak is over."""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import data
from bench.client import Client
from bench.server import Gunicorn, Settings

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
GOAL_MIB = 150
ASSIGNMENT = "/kurse/kurz-kurs/02-abschluss/aufgaben/reflexion"
LEARNER = "learner@example.org"

# The module opened for the demo learner, the assignment takes PDF files up to the size given on
# the command line (argv[1], MB). tests/deployment/test_two_servers.py runs it too.
PREPARE = """
import sys
from sqlalchemy import select
from app import create_app
from app.accounts.models import User
from app.catalogue.models import Assignment, Module
from app.cohorts.models import Enrolment
from app.extensions import db
from app.progress.models import ItemType
from app.progress.services import complete_item

app = create_app()
with app.app_context():
    learner = db.session.scalar(select(User).where(User.email == "learner@example.org"))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    first = db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))
    for lesson in first.lessons:
        complete_item(enrolment, ItemType.LESSON, lesson.id, first)
    for quiz in first.quizzes:
        complete_item(enrolment, ItemType.QUIZ, quiz.id, first)
    assignment = db.session.scalar(select(Assignment).where(Assignment.slug == "reflexion"))
    assignment.settings = {**assignment.settings, "submission": "both", "file_types": ["pdf"], "max_file_mb": float(sys.argv[1])}
    db.session.commit()
"""


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler:
    """The worker's RSS every `interval` seconds on a thread; `peak()` since the last `reset()`."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval = pid, interval
        self.highest = 0.0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                self.highest = max(self.highest, rss_mib(self.pid))
            except OSError:
                return
            time.sleep(self.interval)

    def reset(self) -> None:
        self.highest = rss_mib(self.pid)

    def peak(self) -> float:
        return max(self.highest, rss_mib(self.pid))

    def stop(self) -> None:
        self.running = False
        self.thread.join()


def upload(base: str, cookie: str, token: str, size: int) -> tuple[int, float]:
    """POSTs the assignment form with one PDF of `size` bytes, written to the socket in 1 MB
    pieces with a Content-Length (as a browser sends it). (status, seconds)."""
    boundary = "----scc-bench-" + secrets.token_hex(8)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nEntwurf zum großen Upload\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="action"\r\n\r\nsave\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="gross.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = (b"%PDF-1.4\n" + bytes(range(256)) * 4096)[:MB]
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.perf_counter()
    connection.putrequest("POST", ASSIGNMENT)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + size + len(tail)))
    connection.putheader("Cookie", cookie)
    connection.endheaders()
    connection.send(head)
    sent = 0
    while sent < size:
        piece = block[:min(MB, size - sent)]
        connection.send(piece)
        sent += len(piece)
    connection.send(tail)
    response = connection.getresponse()
    response.read()
    seconds = time.perf_counter() - started
    connection.close()
    return response.status, seconds


def download(base: str, cookie: str, path: str) -> tuple[int, int, float]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    received = 0
    while chunk := response.read(256 * 1024):
        received += len(chunk)
    connection.close()
    return response.status, received, time.perf_counter() - started


def prepare(tmp: Path, store: str, size_mb: int, s3) -> dict:
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {**os.environ, **data.server_env(url, tmp), "COURSES_DIR": str(ROOT / "tests" / "data" / "courses"),
           "MAIL_DIR": str(tmp / "mail")}
    env.pop("JOBS_REDIS_URL", None)
    env.pop("REDIS_URL", None)
    if store == "s3":
        env.update(s3.environment_for(s3.new_bucket()))
    else:
        env.pop("FILE_STORAGE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["courses", "import", str(ROOT / "tests" / "data" / "courses")],
                    ["demo", "seed", "--course", "kurz-kurs"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", PREPARE, str(size_mb + 10)], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def measure(store: str, size_mb: int, s3, parallel: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="scc-upload-memory-") as folder:
        tmp = Path(folder)
        env = prepare(tmp, store, size_mb, s3)
        with Gunicorn("wsgi:app", Settings(workers=1, threads=2, timeout=600), env=env, log=tmp / "gunicorn.log") as server:
            pid = server.worker_pids()[0]
            client = Client(server.base, timeout=60)
            client.login(LEARNER, data.PASSWORD)
            status, page, _ = client.get(ASSIGNMENT)  # warm-up: the page the learner uploads from
            if status != 200:
                raise RuntimeError(f"assignment page: HTTP {status}")
            time.sleep(0.5)
            sampler = Sampler(pid)
            before = rss_mib(pid)
            sampler.reset()
            results: list[tuple[int, float]] = []
            uploads = [threading.Thread(target=lambda: results.append(
                upload(server.base, client.cookie_header(), client.token, size_mb * MB))) for _ in range(parallel)]
            for thread in uploads:
                thread.start()
            for thread in uploads:
                thread.join()
            upload_peak = sampler.peak()
            if [status for status, _ in results] != [302] * parallel:
                raise RuntimeError(f"upload answered {results} (see {tmp / 'gunicorn.log'})")
            upload_s = max(seconds for _, seconds in results)
            time.sleep(0.5)
            after_upload = rss_mib(pid)
            _, page, _ = client.get(ASSIGNMENT)
            match = re.search(r'href="(/abgaben/dateien/\d+)"', page)
            if not match:
                raise RuntimeError("the uploaded file is not listed on the assignment page")
            sampler.reset()
            status, received, download_s = download(server.base, client.cookie_header(), match.group(1))
            download_peak = sampler.peak()
            if status != 200 or received != size_mb * MB:
                raise RuntimeError(f"download: HTTP {status}, {received} bytes")
            time.sleep(0.5)
            after_download = rss_mib(pid)
            sampler.stop()
    return {"before": before, "upload peak": upload_peak, "after upload": after_upload,
            "download peak": download_peak, "after download": after_download,
            "upload MB/s": parallel * size_mb / upload_s, "download MB/s": size_mb / download_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the uploaded file")
    parser.add_argument("--stores", default="local,s3", help="local, s3 or both (comma-separated)")
    parser.add_argument("--runs", type=int, default=1, help="repeat each store this many times")
    parser.add_argument("--parallel", type=int, default=1,
                        help="uploads at once into the same worker (it has 2 threads; MB/s is then their sum)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when a peak is over {GOAL_MIB} MiB")
    args = parser.parse_args()
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    s3 = None
    if "s3" in stores:
        from tests.s3server import MotoServer  # the same launcher the tests use

        s3 = MotoServer().start()
    rows = []
    try:
        for store in stores:
            for _ in range(args.runs):
                rows.append((store, measure(store, args.mb, s3, args.parallel)))
    finally:
        if s3 is not None:
            s3.stop()
    columns = list(rows[0][1])
    what = f"{args.parallel} × {args.mb} MB PDF at once" if args.parallel > 1 else f"{args.mb} MB PDF"
    print(f"| store ({what}, one gunicorn worker; RSS in MiB) | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in rows:
        print(f"| {name} | " + " | ".join(f"{row[c]:.0f}" for c in columns) + " |")
    over = [name for name, row in rows if max(row["upload peak"], row["download peak"]) >= GOAL_MIB]
    if over:
        print(f"over the goal of {GOAL_MIB} MiB: {', '.join(over)}")
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
