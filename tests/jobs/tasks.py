"""Tasks only the tests use; a worker started by a test imports this module too."""
from __future__ import annotations

from app import jobs


@jobs.task("tests.fail_always")
def fail_always(reason: str) -> None:
    raise RuntimeError(f"fails on purpose: {reason}")
