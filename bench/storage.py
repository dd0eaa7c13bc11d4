"""Upload/download throughput of the file store: local directory vs S3 (moto_server on loopback).

    .venv/bin/python -m bench.storage [--mb 100] [--small 200]

S3 here is moto in server mode on 127.0.0.1 (started and stopped by this script, as in the
tests): the figures measure our code path — boto3's multipart upload, the chunked streaming
read — and moto's own cost, not a real object store's network or disks. Memory is the peak
resident size of this process above its size before the transfer, sampled every 5 ms."""
from __future__ import annotations

import argparse
import io
import tempfile
import threading
import time

from app.files.local import LocalFileStore
from app.files.backends import open_store

MB = 1024 * 1024


class Generated(io.RawIOBase):
    """`size` bytes produced on the fly and not seekable, like an upload read from the request."""

    def __init__(self, size: int):
        self.remaining = size
        self.block = bytes(range(256)) * 4096  # 1 MB

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self.remaining if size is None or size < 0 else min(size, self.remaining)
        self.remaining -= n
        return (self.block * (n // len(self.block) + 1))[:n]


def _rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    def __enter__(self):
        self.base, self.peak, self.running = _rss(), 0, True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, _rss())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.growth = max(self.peak - self.base, 0)


def measure(store, size_mb: int, small: int) -> dict:
    with PeakMemory() as upload_memory:
        started = time.perf_counter()
        big = store.save(Generated(size_mb * MB))
        upload_s = time.perf_counter() - started
    with PeakMemory() as download_memory:
        started = time.perf_counter()
        with store.open(big.key) as handle:
            while handle.read(256 * 1024):
                pass
        download_s = time.perf_counter() - started
    started = time.perf_counter()
    keys = [store.save(Generated(100 * 1024)).key for _ in range(small)]
    small_up_s = time.perf_counter() - started
    started = time.perf_counter()
    for key in keys:
        with store.open(key) as handle:
            handle.read()
    small_down_s = time.perf_counter() - started
    return {
        "upload MB/s": size_mb / upload_s, "download MB/s": size_mb / download_s,
        "upload peak MB": upload_memory.growth / MB, "download peak MB": download_memory.growth / MB,
        "small up/s": small / small_up_s, "small down/s": small / small_down_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the large file")
    parser.add_argument("--small", type=int, default=200, help="number of 100 KB files")
    args = parser.parse_args()
    from tests.s3server import MotoServer  # the same launcher the tests use

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["local directory"] = measure(LocalFileStore(folder), args.mb, args.small)
    server = MotoServer().start()
    try:
        settings = server.settings(server.new_bucket())
        results["S3 (moto_server, loopback)"] = measure(open_store(settings["FILE_STORAGE_URL"], settings), args.mb, args.small)
    finally:
        server.stop()
    columns = list(next(iter(results.values())))
    print(f"| store ({args.mb} MB file; {args.small} × 100 KB) | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(f"{row[c]:.0f}" for c in columns) + " |")


if __name__ == "__main__":
    main()
