"""Flask extensions, created unbound and bound to the app in create_app() (Flask-Migrate: when used)."""
from pathlib import Path

import click
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from app.db import db  # noqa: F401  (created in app.db beside Base; imported from here like the others)

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# In-memory by default; RATELIMIT_STORAGE_URI=redis://… makes several app servers share the counts.
limiter = Limiter(key_func=get_remote_address, default_limits=[])



def check_limits_only_where_declared(app: Flask, limiter: Limiter = limiter) -> bool:
    """Takes Flask-Limiter's before_request check out of `app` when nothing needs it; True if so.

    That hook exists for default, application and blueprint limits, and this app declares none:
    its limits are decorators on the views that need them (login, password reset and change,
    certificate verification, the API), and Flask-Limiter's decorator checks its own view. For every
    other page the hook only worked out that there is no limit — about 0.05 ms, half a bare Flask
    request, on every page (docs/performance.md, "Signed-in floor"). Configure a default,
    application or blueprint limit and the hook stays. If Flask-Limiter's internals read here
    change, it stays too: the safe side is checking."""
    manager = getattr(limiter, "limit_manager", None)
    blueprint_limits = getattr(manager, "_blueprint_limits", None)
    check = getattr(limiter, "_check_request_limit", None)
    if manager is None or blueprint_limits is None or check is None:
        return False
    if manager.application_limits or manager.default_limits or any(blueprint_limits.values()):
        return False
    hooks = app.before_request_funcs.get(None, [])
    kept = [hook for hook in hooks if hook != check]
    if len(kept) == len(hooks):
        return False
    hooks[:] = kept
    _run_limiter_hooks_only_where_checked(app, limiter)
    return True


def _run_limiter_hooks_only_where_checked(app: Flask, limiter: Limiter) -> None:
    """Without the before_request check, a page without a limit never touches Flask-Limiter's
    per-request state (`_limiter_request_context` on the request context, made the first time
    `limiter.context` is read — by a limit decorator). Its after_request hook (deductions and the
    X-RateLimit headers, from that state) and its teardown (resetting it) then find a fresh, empty
    state and do nothing, at about 70 Python calls a page; they now run when the state exists. If
    Flask-Limiter keeps its state elsewhere in a later version, both stay as they are."""
    from functools import partial

    from flask.globals import _cv_request

    context = getattr(type(limiter), "context", None)
    if not isinstance(context, property) or "_limiter_request_context" not in context.fget.__code__.co_names:
        return
    inject_headers = getattr(type(limiter), "_Limiter__inject_headers", None)
    release_context = getattr(limiter, "_Limiter__release_context", None)

    def checked() -> bool:
        request_context = _cv_request.get(None)
        return request_context is not None and hasattr(request_context, "_limiter_request_context")

    def limiter_headers(response):
        return inject_headers(limiter, response) if checked() else response

    def limiter_release(exc=None) -> None:
        if checked():
            release_context(exc)

    after = app.after_request_funcs.get(None, [])
    for n, hook in enumerate(after):
        if isinstance(hook, partial) and hook.func is inject_headers and hook.args == (limiter,):
            after[n] = limiter_headers
    teardown = app.teardown_request_funcs.get(None, [])
    for n, hook in enumerate(teardown):
        if hook == release_context:
            teardown[n] = limiter_release

def bind_migrations(app: Flask) -> None:
    """Flask-Migrate, for `flask db …` and for tests that build a schema with `flask_migrate.upgrade()`.

    create_app() does not bind it: Flask-Migrate imports Alembic and Mako (11 MiB resident), which a
    web worker never uses. The `db` command group binds it when a command of it is run."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    directory = app.config.get("MIGRATIONS_DIR") or Path(__file__).resolve().parent.parent / "migrations"
    Migrate(app, db, directory=str(directory), render_as_batch=True, compare_type=True)


class MigrationCommands(click.Group):
    """Stands in for Flask-Migrate's `db` group until a `flask db …` command is run, so that the
    commands are there without loading Alembic in every process that creates the app."""

    def __init__(self, app: Flask):
        super().__init__("db", help="Perform database migrations.")
        self.app = app

    def _commands(self) -> click.Group:
        bind_migrations(self.app)  # also puts Flask-Migrate's own group in place of this one
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name, args, parent=None, **extra):
        return self._commands().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._commands().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._commands().get_command(ctx, name)
