"""Benchmark: the certificate QR encoder (app/certificates/qr.py) against segno.

    .venv/bin/python -m bench.qr [--codes 500] [--rounds 5]

Encodes --codes distinct verification URLs (as certificates carry them, so no cache helps) with
our encoder and with segno (level M, byte mode, automatic mask; the `bench` extra installs it),
alternating the two --rounds times, and prints the median CPU milliseconds per code of each and
how many of segno's symbols are module for module the ones we draw. The comparison is why
qr.py is kept: see its docstring."""
from __future__ import annotations

import argparse
import secrets
import statistics
import time

from app.certificates import qr


def _urls(count: int) -> list[str]:
    return [f"https://campus.example.org/zertifikate/pruefen/{secrets.token_urlsafe(16)}" for _ in range(count)]


def _segno(text: str) -> tuple[int, tuple[int, ...]]:
    import segno

    symbol = segno.make_qr(text, error="m", mode="byte", boost_error=False)
    return len(symbol.matrix), tuple(int("".join("1" if m else "0" for m in row), 2) for row in symbol.matrix)


def _cpu_ms(encode, urls: list[str]) -> float:
    start = time.process_time()
    for url in urls:
        encode(url)
    return (time.process_time() - start) / len(urls) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(_cpu_ms(qr.qr_matrix.__wrapped__, _urls(args.codes)))
        theirs.append(_cpu_ms(_segno, _urls(args.codes)))
    sample = _urls(args.codes)
    same = sum(qr.qr_matrix.__wrapped__(url) == _segno(url) for url in sample)
    print(f"ours:  {statistics.median(ours):.2f} ms per code (rounds: {', '.join(f'{v:.2f}' for v in ours)})")
    print(f"segno: {statistics.median(theirs):.2f} ms per code (rounds: {', '.join(f'{v:.2f}' for v in theirs)})")
    print(f"identical symbols: {same} of {len(sample)}")


if __name__ == "__main__":
    main()
