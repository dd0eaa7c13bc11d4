"""Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR, /metrics adds up what every worker counted
(otherwise a scrape sees only the worker that answered it)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
REQUESTS = 40


@pytest.fixture()
def gunicorn(tmp_path):
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {
        **os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'campus.sqlite3'}", "SECRET_KEY": "metrics-test",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "MAIL_DIR": str(tmp_path / "mail"),
        "FILE_STORAGE_DIR": str(tmp_path / "files"), "COURSES_AUTO_RELOAD": "0",
    }
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.terminate()
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
    yield base, multiproc
    process.terminate()
    process.wait(timeout=10)


def scrape(base: str) -> tuple[float, str]:
    text = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
    counted = sum(
        sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
        if sample.name == "scc_http_request_duration_seconds_count" and sample.labels["endpoint"] == "core.healthz"
    )
    return counted, text


def test_a_scrape_adds_up_all_workers(gunicorn):
    base, multiproc = gunicorn
    before, _ = scrape(base)
    sent = 0
    # a new connection each, until every worker has answered some (its histogram file exists)
    while sent < REQUESTS or len(list(multiproc.glob("histogram_*.db"))) < WORKERS:
        assert sent < 20 * REQUESTS, "one worker took every connection"
        urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
        sent += 1
    after, text = scrape(base)
    assert after - before == sent
    assert "scc_mail_outbox_unsent 0.0" in text


def test_a_missing_multiprocess_directory_stops_the_start_not_every_request(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "fehlt"), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "PROMETHEUS_MULTIPROC_DIR" in result.stderr
