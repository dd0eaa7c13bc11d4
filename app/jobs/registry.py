"""The registry of background tasks: names to functions, the periodic ones, and how one job
runs. Kept apart from the dispatch in app/jobs/__init__.py so the Redis backend and the worker
can use it without importing the facade back."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

TASKS: dict[str, Callable[..., object]] = {}


@dataclass(frozen=True)
class Periodic:
    """A task a worker runs every `every` seconds (slots counted from `offset` seconds after
    midnight UTC), if `when(config)` says so. Only with the Redis queue: without it, cron runs
    the equivalent CLI commands (docs/deployment.md)."""

    task: str
    every: int
    offset: int = 0
    when: Callable[[dict], bool] | None = None


PERIODIC: dict[str, Periodic] = {}


@dataclass(frozen=True)
class Job:
    name: str
    args: tuple = field(default_factory=tuple)


class RetryLater(Exception):
    """Raised by a task whose work is not ready or held by another runner; `delay` in seconds."""

    def __init__(self, message: str = "", delay: float | None = None):
        super().__init__(message)
        self.delay = delay


def task(name: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Registers a function as the task `name` (unique across the app)."""

    def register(function: Callable[..., object]) -> Callable[..., object]:
        existing = TASKS.get(name)
        if existing is not None and existing is not function and existing.__qualname__ != function.__qualname__:
            raise ValueError(f"task {name!r} is registered twice")
        TASKS[name] = function
        return function

    return register


def periodic(task_name: str, every: int, offset: int = 0, when: Callable[[dict], bool] | None = None) -> None:
    """Asks the worker to run the task `task_name` (without arguments) every `every` seconds."""
    PERIODIC[task_name] = Periodic(task_name, every, offset, when)


def run(job: Job) -> object:
    """Runs one job in the current application context (what a worker does with a job)."""
    return TASKS[job.name](*job.args)
