"""The suite's Markdown report, its progress log, and the machine and load the figures were
measured under (bench/load.py reports the same)."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Report:
    """The Markdown report. `fail` marks the suite as broken (exit 1); `finding` records what the
    app did wrong under load (HTTP errors) — exit 1 only with --strict."""

    def __init__(self):
        self.lines: list[str] = []
        self.failures: list[str] = []
        self.findings: list[str] = []

    def finding(self, message: str) -> None:
        self.findings.append(message)

    def add(self, text: str = "") -> None:
        self.lines.append(text)
        print(text, flush=True)

    def fail(self, part: str, message: str) -> None:
        self.failures.append(f"{part}: {message}")
        self.add(f"**FAILED** ({part}): {message}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    commit = ""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "ram": memory, "python": platform.python_version(), "commit": commit}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"
