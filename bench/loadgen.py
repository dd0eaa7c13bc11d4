"""Load generation against 127.0.0.1: `wrk` (Debian package) when installed, else a small Python
client. Every run is bounded by its duration.

wrk is preferred because a Python client on the same two cores is slower than the bare Flask
app it measures; the fallback still works but its figures for "hello world" are client-bound
(the report says which tool measured)."""
from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LUA = r"""
local paths = {%(paths)s}
local method, body = [==[%(method)s]==], %(body)s
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
function init(args)
  sent = 0
  wrk.headers["Cookie"] = [==[%(cookie)s]==]
  if body then wrk.headers["Content-Type"] = "application/x-www-form-urlencoded" end
end
function request()
  local path = paths[1]
  if #paths > 1 then
    -- each thread walks its own share of the list; past its end it repeats the last one
    path = paths[math.min(offset + sent * %(threads)d + 1, #paths)]
    sent = sent + 1
  end
  return wrk.format(method, path, nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "errors": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    tool: str
    spread: tuple[float, float] | None = None  # requests/s of the slowest and the fastest of several runs

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(base: str, paths: list[str] | str, *, seconds: float, connections: int, cookie: str = "",
        method: str = "GET", body: str | None = None, tool: str = "auto") -> LoadResult:
    """Requests against `base` (must be 127.0.0.1) for `seconds`; several paths are used in order,
    each once, by all connections together (for requests that change state, e.g. submitting an
    attempt). Returns throughput and latency percentiles."""
    host = urlsplit(base).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError(f"load is only generated against 127.0.0.1, not {host}")
    paths = [paths] if isinstance(paths, str) else list(paths)
    if tool == "wrk" or (tool == "auto" and wrk_available()):
        return _wrk(base, paths, seconds, connections, cookie, method, body)
    return _python(base, paths, seconds, connections, cookie, method, body)


def _lua_string(value: str) -> str:
    if "]==]" in value:
        raise ValueError("value cannot be embedded in the wrk script")
    return f"[==[{value}]==]"


def _wrk(base, paths, seconds, connections, cookie, method, body) -> LoadResult:
    threads = max(1, min(2, connections))
    script = LUA % {
        "paths": ", ".join(_lua_string(p) for p in paths), "method": method, "cookie": cookie,
        "body": _lua_string(body) if body is not None else "nil", "threads": threads,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.lua"
        path.write_text(script)
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                   "--timeout", "10s", "-s", str(path), base]
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next((l for l in output.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    data = json.loads(line[len("BENCH "):])
    return LoadResult(
        requests=data["requests"], seconds=data["duration_us"] / 1e6, errors=data["errors"],
        p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000, p99_ms=data["p99_us"] / 1000, tool="wrk",
    )


def _python(base, paths, seconds, connections, cookie, method, body) -> LoadResult:
    parts = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    next_index = [0]
    deadline = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    def take_path() -> str:
        with lock:
            index = min(next_index[0], len(paths) - 1)
            next_index[0] += 1
        return paths[index]

    def worker():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request(method, take_path(), body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    with lock:
                        errors[0] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                with lock:
                    errors[0] += 1
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(seconds + 30)
    elapsed = time.perf_counter() - started
    return LoadResult(
        requests=len(latencies), seconds=elapsed, errors=errors[0],
        p50_ms=percentile(latencies, 50) * 1000, p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000, tool="python",
    )


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
