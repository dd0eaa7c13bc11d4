"""Tasks only the tests use; a worker started by a test imports this module too."""
from __future__ import annotations

from app import jobs


@jobs.task("tests.fail_always")
def fail_always(reason: str) -> None:
    raise RuntimeError(f"fails on purpose: {reason}")


@jobs.task("tests.hold_once")
def hold_once(marker: str) -> None:
    """Holds the worker thread (until the worker is killed) the first time it runs, marking that
    it began in the file `marker`; returns at once on any later run. Queued between jobs, it
    stops a one-thread worker at a known point of a batch, so a test kills it there."""
    import time
    from pathlib import Path

    path = Path(marker)
    if path.exists():
        return
    path.write_text("holding")
    time.sleep(300)
