"""The fast QR encoder gives exactly the symbol reportlab's encoder gives for one of the masks,
and picks the mask with the lowest penalty."""
from __future__ import annotations

import pytest

from app.certificates.qr import _rows, _symbol, penalty, qr_matrix


@pytest.mark.parametrize("text", [
    "http://campus.test/verify/abcDEF123456789xyzAB",
    "https://zertifikate.example.org/verify/" + "x" * 24,
    "https://example.org/" + "ä" * 40,  # multi-byte UTF-8
    "https://example.org/" + "a" * 200,  # version 10+: 16-bit character count
])
def test_symbol_matches_reportlab_with_the_best_mask(text):
    n, rows = qr_matrix(text)
    candidates = {mask: tuple(_rows(_symbol(text, None, mask).modules)) for mask in range(8)}
    matching = [mask for mask, symbol in candidates.items() if symbol == rows]
    assert matching, "not a valid symbol for any mask"
    assert penalty(list(rows), n) == min(penalty(list(symbol), n) for symbol in candidates.values())
