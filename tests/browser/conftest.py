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


BROWSER_COURSES = Path(__file__).parent / "courses"  # courses only the journeys use (assignments count)


def _build_schema(db) -> None:
    """The live database is built by the migrations, as in production. BROWSER_SCHEMA=models builds
    it from the models instead, for a feature whose migration the lead has not generated yet."""
    if os.environ.get("BROWSER_SCHEMA") == "models":
        db.create_all()
        return
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask import current_app
    from flask_migrate import upgrade

    from app.extensions import bind_migrations

    bind_migrations(current_app)
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    if differences:
        pytest.fail("the migrations are behind the models, every journey would end in a 500: generate the migration, "
                    f"or run with BROWSER_SCHEMA=models meanwhile. Missing: {', '.join(map(_short, differences[:8]))}", pytrace=False)


def _short(difference) -> str:
    """('add_column', None, 'certificates', Column('signature', …)) → 'add_column certificates signature'."""
    first = difference[0] if isinstance(difference, list) else difference
    return " ".join(str(getattr(part, "name", part)) for part in first[:4] if part is not None and not isinstance(part, dict))


@pytest.fixture(scope="session")
def live_server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    url = fresh_database(tmp, f"browser_{worker_id(request)}")
    settings = TestConfig.settings()
    # a real server: its jobs run on the in-process runner thread, as under `make run`
    settings.update(SQLALCHEMY_DATABASE_URI=url, MAIL_DIR=str(tmp / "mail"), SERVER_NAME=None, TESTING=False,
                    JOBS_IN_PROCESS_THREAD=True)
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url
    with app.app_context():
        from app.catalogue.services import import_path
        from app.extensions import db

        _build_schema(db)
        for folder in (TEST_COURSES, BROWSER_COURSES):
            import_path(folder)
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


@pytest.fixture(scope="session", autouse=True)
def _vnu_process():
    """Starts the Nu HTML Checker's JVM first thing in a browser session, so that it boots while
    the live server, its database and Chromium are set up."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        yield None
        return
    from tests.conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        ["java", "-Xss4m", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(VNU_JAR), "nu.validator.servlet.Main", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    yield process, f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def vnu_url(_vnu_process):
    """The Nu HTML Checker as a local HTTP service for the whole session (one JVM start)."""
    if _vnu_process is None:
        pytest.skip("vnu.jar or java missing (make test installs them)")
    process, url = _vnu_process
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
    return url


@pytest.fixture()
def check(vnu_url):
    """check(page): zero axe-core WCAG 2.1 A/AA violations and zero Nu HTML Checker errors."""
    from tests.browser.checks import check_page

    return lambda page: check_page(page, vnu_url)


# -- journeys: two widths, keyboard, accounts, data and mail of the live server -------------------

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}
PASSWORD = "ein-sicheres-passwort"


@pytest.fixture(params=list(DEVICES))
def device(request) -> str:
    """Each journey runs on a desktop screen and at phone width (375 px)."""
    return request.param


@pytest.fixture()
def open_page(chromium, live_server, device):
    """open_page(storage_state=None): a new browser context of the journey's device, logged in if
    a storage state is given."""
    contexts = []

    def open_page(storage_state: str | None = None):
        from tests.browser.checks import AXE_SCRIPT

        context = chromium.new_context(base_url=live_server[1], locale="de-DE", timezone_id="Europe/Berlin",
                                       accept_downloads=True, storage_state=storage_state, **DEVICES[device])
        context.add_init_script(AXE_SCRIPT)  # loaded with each page, not sent along with each check
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


class LiveApp:
    """The live server's app, for what a journey needs around it: data set up through the services
    (as another person would have done it), and the mail the server writes to MAIL_DIR."""

    def __init__(self, app, base_url: str):
        self.app, self.base_url = app, base_url

    def run(self, function, *args, **kwargs):
        """Calls function in a request context of the live app, commits, delivers queued mail.
        Return plain values (ids, strings): ORM objects are detached afterwards."""
        from app.extensions import db
        from app.mail.services import deliver_pending

        with self.app.test_request_context("/", base_url=self.base_url):
            try:
                result = function(*args, **kwargs)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            deliver_pending()
        return result

    def mails(self, recipient: str, subject: str = "", count: int = 1, timeout: float = 10.0) -> list:
        """The mails to recipient whose subject contains `subject`, oldest first; waits until
        there are at least `count` (the server's job runner delivers them once the request is done)."""
        from tests.conftest import read_mails

        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in read_mails(self.app) if m["To"] == recipient and subject in str(m["Subject"])]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} mail(s) to {recipient} about {subject!r}, found {len(found)}")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def live(live_server) -> LiveApp:
    return LiveApp(*live_server)


@pytest.fixture(scope="session")
def staff(live) -> dict[str, str]:
    """An admin and a trainer of the journeys (role → email), password PASSWORD."""
    from app.accounts.models import Role
    from app.accounts.services import create_user

    accounts = {"admin": ("anton.admin@example.net", "Anton Admin"), "trainer": ("tina.trainerin@example.net", "Tina Trainerin")}
    live.run(lambda: [create_user(email, name, Role(role), PASSWORD) for role, (email, name) in accounts.items()])
    return {role: email for role, (email, _name) in accounts.items()}


@pytest.fixture(scope="session")
def login_state(chromium, live_server, staff, tmp_path_factory):
    """login_state(role or email): the storage state of a session of that staff account (or any
    account with PASSWORD), logged in once per test session through the login form, by keyboard."""
    from tests.browser.keyboard import Keyboard

    folder = tmp_path_factory.mktemp("logins")
    states: dict[str, str] = {}

    def login_state(role: str) -> str:
        if role not in states:
            context = chromium.new_context(base_url=live_server[1], locale="de-DE")
            page = context.new_page()
            page.goto("/anmelden")
            keys = Keyboard(page)
            keys.type(page.get_by_label("E-Mail-Adresse"), staff.get(role, role))
            keys.type(page.get_by_label("Passwort"), PASSWORD)
            keys.follow(page.get_by_role("button", name="Anmelden"))
            assert "/anmelden" not in page.url, "login failed"
            states[role] = str(folder / f"{len(states)}.json")
            context.storage_state(path=states[role])
            context.close()
        return states[role]

    return login_state
