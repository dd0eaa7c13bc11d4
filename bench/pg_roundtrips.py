"""What a round trip to PostgreSQL costs the app's process: CPU (user + system) per call of a few
ways to talk to the server, best of 5 runs of 3,000 calls each.

    .venv/bin/python -m bench.pg_roundtrips [--url postgresql://postgres@127.0.0.1:5432/postgres]

The figures behind app/postgres.py (docs/performance.md, "Fifth round: PostgreSQL's round trips"):
a round trip costs about the same whoever sends it, so the lever is sending fewer."""
from __future__ import annotations

import argparse
import time


def cpu_per_call(call, calls: int = 3000) -> float:
    for _ in range(200):
        call()
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(calls):
            call()
        best = min(best, (time.process_time() - started) / calls * 1e6)
    return best


def main() -> None:
    import psycopg

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    options = parser.parse_args()
    with psycopg.connect(options.url) as connection:
        pgconn = connection.pgconn
        cursor = connection.cursor()

        def select_in_transaction():
            cursor.execute("SELECT 1")
            cursor.fetchone()
            connection.rollback()

        rows = [("an empty query straight through libpq (`pgconn.exec_(b\"\")`)", lambda: pgconn.exec_(b"")),
                ("`SELECT 1` straight through libpq", lambda: pgconn.exec_(b"SELECT 1")),
                ("`BEGIN` + `ROLLBACK` straight through libpq", lambda: (pgconn.exec_(b"BEGIN"), pgconn.exec_(b"ROLLBACK")))]
        print("| what | CPU per call |")
        print("|---|---:|")
        for label, call in rows:
            print(f"| {label} | {cpu_per_call(call):.0f} µs |")
        connection.autocommit = True
        print(f"| `SELECT 1` through a psycopg cursor, autocommit | {cpu_per_call(lambda: (cursor.execute('SELECT 1'), cursor.fetchone())):.0f} µs |")
        connection.autocommit = False
        print(f"| the same with psycopg's implicit `BEGIN` and a `rollback()` | {cpu_per_call(select_in_transaction):.0f} µs |")


if __name__ == "__main__":
    main()
