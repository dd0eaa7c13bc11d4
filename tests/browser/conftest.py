"""A live server on 127.0.0.1 with its own database, and Playwright driving Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from tests.conftest import TEST_COURSES, worker_id
from tests.databases import fresh_database

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def live_server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    url = fresh_database(tmp, f"browser_{worker_id(request)}")
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings.update(SQLALCHEMY_DATABASE_URI=url, MAIL_DIR=str(tmp / "mail"), SERVER_NAME=None, TESTING=False)
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url
    with app.app_context():
        from flask_migrate import upgrade

        from app.catalogue.services import import_path
        from app.extensions import db

        upgrade()
        import_path(TEST_COURSES)
        db.session.commit()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, base_url
    server.shutdown()
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server[1], locale="de-DE", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="session")
def vnu_url():
    """The Nu HTML Checker as a local HTTP service for the whole session (one JVM start)."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.skip("vnu.jar or java missing (make test installs them)")
    from tests.conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        ["java", "-Xss4m", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(VNU_JAR), "nu.validator.servlet.Main", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("the Nu HTML Checker did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture()
def check(vnu_url):
    """check(page): zero axe-core WCAG 2.1 A/AA violations and zero Nu HTML Checker errors."""
    from tests.browser.checks import check_page

    return lambda page: check_page(page, vnu_url)
