"""The Flask class of this application: Flask, with one per-request cost taken out."""
from __future__ import annotations

from flask import Flask


class Application(Flask):
    """Flask asks `inspect` whether each hook, context processor and view is a coroutine function
    on every request it runs it (`ensure_sync`: about 20 functions and 110 Python calls per page).
    Whether a function is one does not change, so the answer is remembered per app for the plain
    (synchronous) functions, which Flask runs as they are; an `async def` one still goes to
    `async_to_sync` on every call, as before."""

    _MAX_REMEMBERED = 4096  # registered hooks and views; a bound method passed anew each time is also fine

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synchronous: set = set()

    def ensure_sync(self, func):
        try:
            if func in self._synchronous:
                return func
        except TypeError:  # an unhashable callable: asked every time
            return super().ensure_sync(func)
        result = super().ensure_sync(func)
        if result is func:
            if len(self._synchronous) >= self._MAX_REMEMBERED:
                self._synchronous.clear()
            self._synchronous.add(func)
        return result

    def warm_up(self) -> dict[str, int]:
        """The work every process would otherwise do on its first requests, done once before it
        serves any: the ORM's mappers configured, every template compiled, every language's
        translations read. gunicorn.conf.py runs this in the master before it forks the workers
        (`preload_app`), so every worker, and every worker started in place of one that died,
        begins with it done — on 2 cores four workers each compiling the templates under the
        first wave of logins held them up for seconds (docs/performance.md). Opens no
        database connection, so nothing is shared across the fork."""
        from flask_babel import force_locale, get_translations
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
        env = self.jinja_env
        names = env.list_templates(extensions=("html", "txt"))
        for name in names:
            env.get_template(name)
        languages = tuple(self.config.get("LANGUAGES", ()))
        with self.test_request_context():
            for language in languages:
                with force_locale(language):
                    get_translations()
        return {"templates": len(names), "languages": len(languages)}
