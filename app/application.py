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
