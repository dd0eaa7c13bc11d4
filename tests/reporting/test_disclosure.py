"""Cell suppression (app/reporting/disclosure.py), checked exactly: for random tables shaped like
the agency's (one hierarchy under the grand total, other breakdowns of the grand total, some of
them hierarchical too), no hidden cell is a linear combination of the shown figures of the table.

The check does not trust the rule the module uses: it writes every line of the table as an
equation over the hidden cells (shown cells are constants), brings the system into reduced row
echelon form with exact fractions, and asks for each hidden cell whether its unit vector lies in
the row space — i.e. whether some combination of the equations pins it down."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.reporting.disclosure import Line, primary, suppress


def determined(lines: list[Line], hidden: set) -> set:
    """The hidden cells whose value follows from the shown ones by linear combination."""
    unknowns = sorted(hidden, key=repr)
    column = {key: index for index, key in enumerate(unknowns)}
    rows = []
    for line in lines:
        row = [Fraction(0)] * len(unknowns)
        if line.total in column:
            row[column[line.total]] += 1
        for part in line.parts:
            if part in column:
                row[column[part]] -= 1
        if any(row):
            rows.append(row)
    pivots: list[int] = []  # reduced row echelon form, exact
    rank = 0
    for col in range(len(unknowns)):
        found = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if found is None:
            continue
        rows[rank], rows[found] = rows[found], rows[rank]
        pivot = rows[rank][col]
        rows[rank] = [value / pivot for value in rows[rank]]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank])]
        pivots.append(col)
        rank += 1
    free = set(range(len(unknowns))) - set(pivots)
    # e_i is in the row space iff i is a pivot column whose row is zero in every free column
    return {unknowns[col] for r, col in enumerate(pivots) if all(rows[r][f] == 0 for f in free)}


# -- random tables ----------------------------------------------------------------------------------

small_counts = st.one_of(st.integers(0, 3), st.integers(0, 12), st.integers(0, 60))


@st.composite
def subtree(draw, depth: int):
    """A leaf count, or a list of subtrees (the parts of a total)."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(small_counts)
    return draw(st.lists(subtree(depth - 1), min_size=1, max_size=4))


@st.composite
def split(draw, total: int, depth: int):
    """`total` split into parts (and each part again, `depth` levels deep): another breakdown of
    the same total, like cohorts or years > quarters > months."""
    if depth == 0:
        return total
    count = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=count - 1, max_size=count - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
    return [draw(split(part, depth - 1)) for part in parts]


def flatten(tree, key, values: dict, lines: list) -> int:
    if isinstance(tree, int):
        values[key] = tree
        return tree
    children = [(*key, index) for index in range(len(tree))]
    values[key] = sum(flatten(child, child_key, values, lines) for child, child_key in zip(tree, children))
    lines.append(Line(key, tuple(children)))
    return values[key]


@st.composite
def tables(draw):
    """(values, lines): a grand total "root" with a hierarchy and zero to two further breakdowns."""
    geo = draw(st.lists(subtree(3), min_size=1, max_size=5))
    values: dict = {}
    lines: list[Line] = []
    total = flatten(geo, ("geo",), values, lines)
    values["root"] = total
    lines.append(Line("root", (("geo",),)))  # the hierarchy's top is the grand total itself
    for number in range(draw(st.integers(0, 2))):
        other = draw(split(total, draw(st.integers(1, 2))))
        key = (f"other{number}",)
        flatten(other if isinstance(other, list) else [other], key, values, lines)
        lines.append(Line("root", (key,)))
    # the one-part lines above only say "same value": merge them, as the tables publish one cell
    merged_values = {k: v for k, v in values.items() if len(k) != 1 or k == "root"}
    merged_lines = [Line("root" if len(line.total) == 1 else line.total, line.parts)
                    for line in lines if line.total != "root"]
    return merged_values, merged_lines


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.integers(2, 5), st.booleans())
def test_no_hidden_cell_can_be_derived_from_the_shown_figures(table, threshold, force_root):
    values, lines = table
    hidden = suppress(values, lines, threshold, forced=["root"] if force_root else ())
    assert primary(values, threshold) <= hidden
    assert all(values[key] > 0 for key in hidden), "a zero is never hidden (and never needed to be)"
    assert not determined(lines, hidden), "a hidden cell follows from the shown figures"
    for line in lines:  # the classic rule, too: no line with exactly one hidden cell
        assert sum(key in hidden for key in (line.total, *line.parts)) != 1


def test_the_subtraction_of_the_issue_is_blocked():
    """Land 12 = 20, its districts 1, 9, 10: hiding only the 1 lets Land − 9 − 10 give it away."""
    values = {"12": 20, "12051": 1, "12052": 9, "12054": 10}
    lines = [Line("12", ("12051", "12052", "12054"))]
    assert determined(lines, {"12051"}) == {"12051"}  # the old "< 3" alone
    hidden = suppress(values, lines, 3)
    assert hidden == {"12051", "12052"}  # the smallest non-zero cell protects it
    assert not determined(lines, hidden)


def test_a_total_is_hidden_when_no_other_part_can_protect():
    values = {"root": 17, "12": 5, "09": 12, "12051": 5, "12052": 0, "09162": 12}
    lines = [Line("root", ("12", "09")), Line("12", ("12051", "12052")), Line("09", ("09162",))]
    hidden = suppress(values, lines, 3, forced=["12051"])
    # 12051 is alone in Land 12 (12052 is zero): the Land is hidden, then Bayern beside it, then
    # München below Bayern — and the grand total stays
    assert hidden == {"12051", "12", "09", "09162"}
    assert not determined(lines, hidden)


def test_parts_that_could_only_be_ones_are_protected():
    """A shown 3 made of three hidden cells: each must be 1 (zeros are shown) — hide the 3 too."""
    values = {"root": 13, "d": 3, "e": 10, "m1": 1, "m2": 1, "m3": 1, "e1": 10}
    lines = [Line("root", ("d", "e")), Line("d", ("m1", "m2", "m3")), Line("e", ("e1",))]
    hidden = suppress(values, lines, 3)
    assert {"m1", "m2", "m3", "d"} <= hidden and not determined(lines, hidden)


def test_zero_is_shown_and_large_cells_alone_are_untouched():
    values = {"root": 10, "a": 0, "b": 10}
    assert suppress(values, [Line("root", ("a", "b"))], 3) == set()


@settings(max_examples=100, deadline=None)
@given(tables(), st.integers(2, 5), st.randoms(use_true_random=False))
def test_the_same_table_always_gets_the_same_complements(table, threshold, random):
    """Two patterns for one table would together reveal what each protects: the order in which
    lines and parts arrive (it follows the database's row order) must not matter."""
    values, lines = table
    shuffled = [Line(line.total, tuple(random.sample(line.parts, len(line.parts)))) for line in lines]
    random.shuffle(shuffled)
    assert suppress(values, shuffled, threshold) == suppress(values, lines, threshold)
