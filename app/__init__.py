"""Application factory: configuration, extensions, blueprints, CLI — nothing else."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.application import Application
from app.config import Config


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Application(__name__, instance_relative_config=False)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    Config.finalise(app)

    from app import models  # noqa: F401  (registers every model with the metadata)
    from app.db import init_database
    from app.extensions import MigrationCommands, babel, csrf, db, limiter, login_manager
    from app.i18n import select_locale, select_timezone

    init_database(app)
    app.cli.add_command(MigrationCommands(app))  # `flask db …`: Flask-Migrate loaded when used
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"], x_host=app.config["PROXY_COUNT"])

    from app import accounts, catalogue, certificates, core, demo, learning, mail, quizzes
    from app import assignments
    from app import audit
    from app import cohorts
    from app import privacy
    from app import directory, discussions, sessions
    from app import admin, api, reporting
    from app import sso
    from app import exports

    for blueprint in (
        core.bp, accounts.bp, learning.bp, catalogue.bp, quizzes.bp, certificates.bp,
        cohorts.bp,
        assignments.bp,
        audit.bp,
        privacy.bp,
        sessions.bp, discussions.bp, directory.bp,
        reporting.bp, api.bp, admin.bp,
        sso.bp,
        exports.bp,
    ):
        app.register_blueprint(blueprint)
    sso.init_app(app)  # the OpenID Connect client, only when OIDC_ISSUER is set
    from app import backup

    for command_group in (catalogue.cli, demo.cli, mail.cli, certificates.cli, backup.cli):
        app.cli.add_command(command_group)
    app.cli.add_command(assignments.cli)
    app.cli.add_command(privacy.cli)
    app.cli.add_command(reporting.cli)
    from app.files.cli import cli as files_cli

    app.cli.add_command(files_cli)
    app.cli.add_command(exports.cli)

    # Who acts on whose events (app.events), wired here so that import order decides nothing.
    from app.certificates import subscribers as certificate_subscribers
    from app.progress import subscribers as progress_subscribers
    from app.reporting import facts as reporting_facts

    progress_subscribers.subscribe()
    certificate_subscribers.subscribe()
    reporting_facts.subscribe()
    # The kinds of prepared download (app.exports), each built by its own feature.
    from app.reporting import downloads as reporting_downloads

    from app.assignments import downloads as assignment_downloads
    from app.certificates import downloads as certificate_downloads
    from app.cohorts import downloads as cohort_downloads
    from app.privacy import downloads as privacy_downloads

    reporting_downloads.subscribe()
    privacy_downloads.subscribe()
    cohort_downloads.subscribe()
    certificate_downloads.subscribe()
    assignment_downloads.subscribe()

    from app.errors import register_error_handlers
    from app.security import register_security

    register_error_handlers(app)
    register_security(app)
    from app.templating import register_templating

    register_templating(app)
    from app import jobs
    from app.assignments import tasks as assignment_tasks  # noqa: F401  (registers background tasks)
    from app.jobs.cli import worker_command
    from app.privacy import tasks as privacy_tasks  # noqa: F401

    jobs.init_app(app)  # in-process, or the Redis queue when REDIS_URL is set
    app.cli.add_command(worker_command)
    from app.catalogue.reload import register_reloader

    register_reloader(app)
    from app.observability import register_observability

    register_observability(app)
    from app.extensions import check_limits_only_where_declared

    check_limits_only_where_declared(app)  # last: every blueprint and its limits are registered
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, let readers and a writer work side by side, wait on locks,
    and let SQLAlchemy (not pysqlite) open transactions, so SAVEPOINTs work as documented."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLite: requests that may write (and CLI commands) take the write lock when their
    transaction begins. A deferred transaction that reads and then writes cannot wait for a
    concurrent writer in WAL mode (SQLITE_BUSY at once, busy_timeout does not help); an
    IMMEDIATE one waits up to busy_timeout for its turn. Page views (GET) stay deferred, so
    readers never block each other — unless the view declared that it writes (app.db.begin_writes);
    so does a request that reads before it writes (app.db.read_before_writing) until it begins."""
    if connection.dialect.name == "sqlite":
        from flask import g, has_request_context, request

        reading = (has_request_context() and (request.method in ("GET", "HEAD", "OPTIONS") or g.get("read_before_writing"))
                   and not g.get("begin_writes"))
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
