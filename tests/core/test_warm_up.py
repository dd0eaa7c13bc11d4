"""Application.warm_up and gunicorn.conf.py: the work of a process's first requests done once
before it serves, in gunicorn's master before the fork (preload_app) — and a forked process never
uses its parent's database connections."""
from __future__ import annotations

import logging
import os
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import babel, db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def fresh_app(app):
    """A second app on the suite's database: nothing compiled, no translations read yet."""
    settings = {key: value for key, value in app.config.items() if key.isupper()}
    fresh = create_app(settings)
    yield fresh
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


def _refuse_loading(app, monkeypatch) -> None:
    def refuse(environment, name):
        raise AssertionError(f"template {name} read from disk after the warm-up")

    monkeypatch.setattr(app.jinja_env.loader, "get_source", refuse)


@pytest.fixture()
def no_translations_read(app, monkeypatch):
    """Flask-Babel keeps the translations it read in one cache per process (its `Babel` object is
    shared by every app): emptied for the test, as in a new process."""
    with app.app_context():
        monkeypatch.setattr(babel.domain_instance, "cache", {})


def _cached_languages() -> set[str]:
    return {language for language, _domain in babel.__dict__["domain_instance"].cache}


def test_without_the_warm_up_a_template_is_read_on_first_use(fresh_app, monkeypatch):
    _refuse_loading(fresh_app, monkeypatch)
    with pytest.raises(AssertionError, match="read from disk"):
        fresh_app.jinja_env.get_template("base.html")


def test_the_warm_up_compiles_every_template_and_reads_every_language(fresh_app, monkeypatch, no_translations_read):
    done = fresh_app.warm_up()
    names = fresh_app.jinja_env.list_templates(extensions=("html", "txt"))
    assert done == {"templates": len(names), "languages": 2}
    assert "base.html" in names and any(name.endswith(".txt") for name in names)
    _refuse_loading(fresh_app, monkeypatch)
    for name in names:
        fresh_app.jinja_env.get_template(name)
    assert _cached_languages() >= {"de", "en"}


def test_the_warm_up_opens_no_database_connection(fresh_app):
    fresh_app.warm_up()
    with fresh_app.app_context():
        pool = db.engine.pool
        assert (pool.checkedin(), pool.checkedout()) == (0, 0)


def _gunicorn_config() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_preloads_and_warms_up_in_the_master(fresh_app, monkeypatch):
    config = _gunicorn_config()
    assert config["preload_app"] is True
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: fresh_app),
                             log=logging.getLogger("test.gunicorn"))
    config["when_ready"](server)
    _refuse_loading(fresh_app, monkeypatch)
    fresh_app.jinja_env.get_template("base.html")


def test_without_preload_each_worker_warms_up_before_it_serves(fresh_app, no_translations_read):
    config = _gunicorn_config()
    log = logging.getLogger("test.gunicorn")
    config["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=False), app=None, log=log))
    assert _cached_languages() == set()  # the master did nothing
    config["post_worker_init"](SimpleNamespace(cfg=SimpleNamespace(preload_app=False), wsgi=fresh_app, log=log))
    assert _cached_languages() >= {"de", "en"}


def test_another_app_under_the_same_config_is_left_alone():
    config = _gunicorn_config()
    hello = SimpleNamespace()  # bench/hello.py's Flask app has no warm_up
    config["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: hello),
                                         log=logging.getLogger("test.gunicorn")))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_process_opens_its_own_connections(fresh_app):
    with fresh_app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            parents = connection.connection.dbapi_connection
            assert connection.execute(text("SELECT 1")).scalar() == 1
        assert engine.pool.checkedin() == 1
        pid = os.fork()
        if pid == 0:  # the child: must not be handed the parent's connection
            status = 1
            try:
                if engine.pool.checkedin() == 0:
                    with engine.connect() as connection:
                        mine = connection.connection.dbapi_connection
                        if mine is not parents and connection.execute(text("SELECT 2")).scalar() == 2:
                            status = 0
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with engine.connect() as connection:  # the parent's connection survived the child's exit
            assert connection.connection.dbapi_connection is parents
            assert connection.execute(text("SELECT 3")).scalar() == 3
