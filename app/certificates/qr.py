"""QR code matrices, fast enough for batches of unique verification URLs.

reportlab's encoder picks the mask by building the whole symbol eight times (about 12 ms per
code). Here the symbol is built once with mask 0; the other seven masks differ from it only in
the data modules and the format information, and that difference does not depend on the data, so
it is computed once per version and applied with XOR on rows held as integers. The penalty rules
of ISO/IEC 18004 (§7.8.3) then choose the mask. Any mask gives a valid, decodable symbol; the
penalty only makes it easier to scan.

Why not a library such as segno (issue 20, measured 2026-12-06 with `python -m bench.qr`, and
`bench.certificates` back to back with segno patched in; numbers in docs/architecture.md):
- Issued certificates are immutable snapshots that must re-render to the same bytes, so the
  encoder must keep producing exactly these symbols. segno 1.6.6 never does for our URLs: it
  appends a zero codeword after the terminator whenever the bit stream already ends on a byte
  boundary (segno issue #148, open), which every byte-mode payload with room for the terminator
  does, so the data and error correction modules differ (0 of 300 symbols identical); fixing
  the version and the mask cannot help.
- It is about three times slower: 6.4 ms against 2.0 ms CPU per distinct code, which takes the
  single-certificate render from 16.5 to 19.1 ms CPU (61 → 52 per second per core, medians of
  five back-to-back pairs on the shared machine), and below the goal of 50/s in the rounds run
  under the heaviest load.
The encoder is held to reportlab's (the reference for every mask), to zbar (decodes), and to
the symbols already issued (hashes) in tests/certificates/test_qr.py."""
from __future__ import annotations

import re
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder

_LEVEL = qrencoder.QRErrorCorrectLevel.M
_RUN = re.compile(r"0{5,}|1{5,}")


def _rows(modules: list[list[bool]]) -> list[int]:
    """Each row as an int; bit (n-1-c) is column c."""
    return [int("".join("1" if m else "0" for m in row), 2) for row in modules]


def _symbol(text: str, version: int | None, mask: int) -> qrencoder.QRCode:
    """reportlab's own encoder: used to lay out the function patterns and as the reference in tests."""
    qr = qrencoder.QRCode(version, _LEVEL)
    qr.addData(text)
    if qr.version is None:
        qr.version = qr.calculate_version()
    qr.makeImpl(False, mask)
    return qr


# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1, for the Reed–Solomon error correction.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i], _LOG[_value] = _value, _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=64)
def _generator(degree: int) -> tuple[int, ...]:
    """Log-coefficients of the generator polynomial (x - a^0)…(x - a^(degree-1)), leading term dropped."""
    poly = [1]
    for i in range(degree):
        nxt = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            nxt[j] ^= coefficient
            if coefficient:
                nxt[j + 1] ^= _EXP[_LOG[coefficient] + i]
        poly = nxt
    return tuple(_LOG[c] for c in poly[1:])


def _error_correction(data: list[int], degree: int) -> list[int]:
    generator = _generator(degree)
    remainder = list(data) + [0] * degree
    for i in range(len(data)):
        coefficient = remainder[i]
        if coefficient:
            factor = _LOG[coefficient]
            for j, g in enumerate(generator, start=i + 1):
                remainder[j] ^= _EXP[factor + g]
    return remainder[len(data):]


def _blocks(version: int) -> list[tuple[int, int]]:
    """(total codewords, data codewords) per Reed–Solomon block, level M."""
    table = qrencoder.QRRSBlock.getRsBlockTable(version, _LEVEL)
    return [(table[i + 1], table[i + 2]) for i in range(0, len(table), 3) for _n in range(table[i])]


def _byte_mode_version(length: int) -> int:
    for version in range(1, 41):
        capacity = sum(data for _total, data in _blocks(version))
        if 4 + (8 if version < 10 else 16) + 8 * length <= capacity * 8:
            return version
    raise ValueError("text too long for a QR code")


def _codewords(payload: bytes, version: int) -> list[int]:
    """Byte-mode data, terminator and padding, split into blocks with their error correction,
    interleaved (ISO/IEC 18004 §7.4–7.6)."""
    blocks = _blocks(version)
    capacity = sum(data for _total, data in blocks)
    count_bits = 8 if version < 10 else 16
    bits = (0b0100 << count_bits | len(payload)) << 8 * len(payload) | int.from_bytes(payload, "big")
    length = 4 + count_bits + 8 * len(payload)
    terminator = min(4, capacity * 8 - length)
    bits <<= terminator
    length += terminator
    if length % 8:
        bits <<= 8 - length % 8
        length += 8 - length % 8
    data = list(bits.to_bytes(length // 8, "big"))
    pad = (0xEC, 0x11)
    while len(data) < capacity:
        data.append(pad[(len(data) - length // 8) % 2])
    data_blocks, ec_blocks, offset = [], [], 0
    for total, count in blocks:
        block = data[offset:offset + count]
        offset += count
        data_blocks.append(block)
        ec_blocks.append(_error_correction(block, total - count))
    result = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            result.extend(b[i] for b in group if i < len(b))
    return result


@lru_cache(maxsize=40)
def _layout(version: int) -> tuple[int, tuple[tuple[int, int], ...], tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """Per version: module count, data module positions (row, column) in placement order, the
    function patterns with mask 0's format information, and per mask the rows to XOR onto an
    unmasked symbol (the mask on the data modules plus that mask's format information)."""
    reference = _symbol("0" * 8, version, 0)
    n = reference.getModuleCount()
    positions = tuple((row, col) for col, row in reference.dataPosIterator())
    data_cells = [0] * n
    for row, col in positions:
        data_cells[row] |= 1 << (n - 1 - col)
    masked = [_rows(_symbol("0" * 8, version, mask).modules) for mask in range(8)]
    function_rows = tuple(r & ~d for r, d in zip(masked[0], data_cells))
    differences = []
    for mask, rows in enumerate(masked):
        pattern = qrencoder.QRUtil.getMask(mask)
        mask_rows = [0] * n
        for row, col in positions:
            if pattern(row, col):
                mask_rows[row] |= 1 << (n - 1 - col)
        differences.append(tuple((r & ~d) ^ f ^ m for r, d, f, m in zip(rows, data_cells, function_rows, mask_rows)))
    return n, positions, function_rows, tuple(differences)


def penalty(rows: list[int], n: int) -> int:
    strings = [format(r, f"0{n}b") for r in rows]
    # all rows and columns in one string, separated so that no run or pattern crosses lines
    lines = "|".join(strings + ["".join(column) for column in zip(*strings)])
    score = sum(len(run) - 2 for run in _RUN.findall(lines))  # N1: runs of five or more
    score += 40 * (lines.count("10111010000") + lines.count("00001011101"))  # N3: finder-like patterns
    full = (1 << (n - 1)) - 1
    for upper, lower in zip(rows, rows[1:]):  # N2: 2×2 blocks of one colour
        vertical = ~(upper ^ lower)
        horizontal = ~(upper ^ (upper >> 1))
        score += 3 * (vertical & (vertical >> 1) & horizontal & full).bit_count()
    dark = sum(r.bit_count() for r in rows)
    score += 10 * (abs(dark * 100 // (n * n) - 50) // 5)  # N4: balance of dark and light
    return score


@lru_cache(maxsize=2048)
def qr_matrix(text: str) -> tuple[int, tuple[int, ...]]:
    """(module count, rows as ints) of the QR code (level M, byte mode) for `text`."""
    payload = text.encode("utf-8")
    version = _byte_mode_version(len(payload))
    n, positions, function_rows, differences = _layout(version)
    rows = list(function_rows)
    codewords = _codewords(payload, version)
    bits = int.from_bytes(bytes(codewords), "big")
    total = 8 * len(codewords)
    for index, (row, col) in enumerate(positions[:total]):
        if bits >> (total - 1 - index) & 1:
            rows[row] |= 1 << (n - 1 - col)
    best_rows, best_score = None, None
    for difference in differences:
        candidate = [a ^ b for a, b in zip(rows, difference)]
        score = penalty(candidate, n)
        if best_score is None or score < best_score:
            best_rows, best_score = candidate, score
    return n, tuple(best_rows)


def dark_runs(text: str) -> tuple[int, list[tuple[int, int, int]]]:
    """(module count, runs of dark modules as (row, first column, length))."""
    n, rows = qr_matrix(text)
    runs = []
    for r, bits in enumerate(rows):
        for match in re.finditer("1+", format(bits, f"0{n}b")):
            runs.append((r, match.start(), match.end() - match.start()))
    return n, runs
