"""gunicorn on 127.0.0.1 for the benchmarks: start, find the workers, read their memory, stop.

The same settings serve the app and the bare Flask app, so their figures compare."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.client import wait_until_up

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Settings:
    """As in docs/deployment.md: sync workers with threads (gthread), two per core."""

    workers: int = 2 * (os.cpu_count() or 1)
    threads: int = 2
    timeout: int = 60
    # Longer than the simulated learners' think time (1-4 s, bench/locustfile.py): with gunicorn's
    # default of 2 s, the server closed idle keep-alive connections just as a learner sent the
    # next request, and the client saw "connection reset" (11 of 22,624 requests in a run).
    keep_alive: int = 5

    def arguments(self) -> list[str]:
        return ["--workers", str(self.workers), "--threads", str(self.threads), "--timeout", str(self.timeout),
                "--keep-alive", str(self.keep_alive)]

    def describe(self) -> str:
        return f"gunicorn {' '.join(self.arguments())}"


class Gunicorn:
    def __init__(self, app: str, settings: Settings, env: dict | None = None, log: Path | None = None,
                 ready_path: str = "/healthz"):
        self.app, self.settings, self.ready_path = app, settings, ready_path
        self.env = {**os.environ, **(env or {})}
        self.log = log
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.startup_seconds = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait_seconds: float = 120) -> "Gunicorn":
        started = time.monotonic()
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", *self.settings.arguments(),
                   "--log-level", "warning", self.app]
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL
        # A session of its own, so stop() can end the master and every worker it forked.
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        try:
            wait_until_up(self.base, wait_seconds, self.ready_path)
            self.wait_for_workers(wait_seconds)
        except Exception:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def wait_for_workers(self, seconds: float = 60) -> list[int]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) >= self.settings.workers:
                return pids
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn has {len(self.worker_pids())} of {self.settings.workers} workers after {seconds:.0f} s")

    def memory(self) -> list[dict]:
        """Per worker: RSS (what `ps` shows, shared pages counted in full) and PSS (shared pages
        divided among the processes that share them), both in MiB."""
        return [m for m in (process_memory(pid) for pid in self.worker_pids()) if m]

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def process_memory(pid: int) -> dict | None:
    def field(path: str, name: str) -> float | None:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(name + ":"):
                    return int(line.split()[1]) / 1024  # kB → MiB
        except OSError:
            return None
        return None

    rss = field(f"/proc/{pid}/status", "VmRSS")
    if rss is None:
        return None
    return {"pid": pid, "rss_mib": rss, "pss_mib": field(f"/proc/{pid}/smaps_rollup", "Pss")}
