"""Statistical disclosure control for the agency's figures: which cells of a table are not shown.
Pure — no Flask, no database; docs/security.md, "Small groups", explains the method.

A table is a set of cells (any hashable key → a count) and additive *lines*: a total and the
parts it is the sum of (a Land and its districts, the grand total and its Länder, the grand total
and its cohorts, a year and its quarters …). Zero is always shown: "nobody" is not a fact about a
person, and official statistics treat empty cells the same way.

1. Primary suppression: every cell that counts at least one but fewer than `threshold` people.
2. Secondary (complementary) suppression, until nothing changes:
   - a line with exactly one hidden cell would give it away by subtraction: hide one more cell of
     that line — the smallest non-zero part (the least information lost), else the line's total;
   - a line whose total is shown and whose hidden parts add up to no more than their number
     would give each of them away as exactly 1 (every hidden cell is at least 1, since zeros are
     shown): hide one more cell of that line in the same way.

For the tables built here — one hierarchy (grand total > Land > district > municipality) and
other breakdowns of the grand total (cohorts; years > quarters > months), never a cross
classification of two of them — "no line with exactly one hidden cell" is sufficient: no hidden
cell is a linear combination of the shown ones (in the graph whose nodes are the lines and whose
edges are the hidden cells, every line has degree 0 or at least 2, so no hidden cell is a bridge).
tests/reporting/test_disclosure.py checks this with exact rational elimination on random tables.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable, Mapping


@dataclass(frozen=True)
class Line:
    """`total` is the sum of `parts` (keys of cells; a part missing from the values counts 0)."""

    total: Hashable
    parts: tuple[Hashable, ...]


def primary(values: Mapping[Hashable, int], threshold: int) -> set:
    """The cells about at least one but fewer than `threshold` people."""
    return {key for key, value in values.items() if 0 < value < threshold}


def _complement(line: Line, values: Mapping[Hashable, int], hidden: set, fixed: set):
    """The cell to hide next in `line`: its smallest non-zero shown part, else its total."""
    candidates = [p for p in line.parts if p not in hidden and p not in fixed and values.get(p, 0) > 0]
    if candidates:
        return min(candidates, key=lambda p: (values[p], repr(p)))
    if line.total not in hidden and line.total not in fixed and values.get(line.total, 0) > 0:
        return line.total
    return None


def _needs_complement(line: Line, values: Mapping[Hashable, int], hidden: set) -> bool:
    hidden_parts = [p for p in line.parts if p in hidden]
    hidden_count = len(hidden_parts) + (line.total in hidden)
    if hidden_count == 1:
        return True
    if line.total not in hidden and hidden_parts:
        # every hidden part is at least 1; if they add up to their number, each is exactly 1
        return sum(values.get(p, 0) for p in hidden_parts) <= len(hidden_parts)
    return False


def suppress(values: Mapping[Hashable, int], lines: Iterable[Line], threshold: int, forced: Iterable[Hashable] = (),
             fixed: Iterable[Hashable] = ()) -> set:
    """The keys of every cell not to show: primary suppression, the cells in `forced` (hidden
    elsewhere, e.g. by a wider table this one is a part of) and the complements that protect them.
    Cells in `fixed` are shown elsewhere already and are never chosen as complements."""
    fixed = set(fixed)
    # in a fixed order, so that the same figures always get the same complements: two different
    # patterns for one table would together reveal what each protects
    lines = sorted((line for line in lines if values.get(line.total, 0) or any(values.get(p, 0) for p in line.parts)),
                   key=lambda line: (repr(line.total), repr(sorted(map(repr, line.parts)))))
    hidden = primary(values, threshold) | {key for key in forced if values.get(key, 0) > 0}
    lines_of: dict[Hashable, list[int]] = {}  # cell → indexes of the lines it is in
    for index, line in enumerate(lines):
        for key in (line.total, *line.parts):
            lines_of.setdefault(key, []).append(index)
    pending = sorted({index for key in hidden for index in lines_of.get(key, ())})  # lines to look at again
    queued = set(pending)
    while pending:
        index = pending.pop()
        queued.discard(index)
        line = lines[index]
        if not _needs_complement(line, values, hidden):
            continue
        key = _complement(line, values, hidden, fixed)
        if key is None:  # only with `fixed` cells; with consistent sums a non-zero total has a non-zero part
            continue
        hidden.add(key)
        for again in (index, *lines_of.get(key, ())):
            if again not in queued:
                queued.add(again)
                pending.append(again)
    return hidden
