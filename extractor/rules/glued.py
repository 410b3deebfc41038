"""Cells glued together ("640020470" for seven cells), or a number broken in two ("1" / "62"),
read the ways the identities allow.

Text scraped from a table without separators keeps a row's digits but not where one cell ends. A
boundary between printed cells is kept; inside a run of digits any cut is possible, but no number
has a leading zero. The identities decide:

1. Row by row (`splits`, `joins`): the cuts (or joins of consecutive cells) whose own identities hold
   (R3 for a row of 表三, R4 for each group of 表四). Most rows have one; those are read.
   A row printing fewer numbers than fields (`fills`: blanks a page dropped, identical cells a
   crawler collapsed into one) is read the same way: every placement its identities allow.
2. Jointly (`settle_jointly`): the rows left with several go together through every identity of the
   table that binds them (R1, R2 across rows, with every other cell as read). A row whose candidates
   agree over all the joint solutions is read; the rest stay in review with what is left. A source
   that breaks an identity leaves no joint solution; its rows stay in review.

Nothing is chosen by likelihood: one solution or review.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, product

from extractor.core.arithmetic import holds
from extractor.core.schema import Identity
from extractor.rules.cells import Cell
from extractor.rules.solve import solve

MAX_GLUED_DIGITS = 36  # past this a run is no row of glued counts (表四's 15 cells fit, with room)
MAX_SPLITS = 50  # cuts of one row that fit its own identities, kept for the joint step
MAX_EXTRA = 3  # numbers broken over two lines in one row, at most: past it the row is no broken one
MAX_FILLS = 600  # placements of a short row's cells tried (15 cells with 2 missing: 105 + 91)
MAX_JOINT = 2_000  # combinations the joint step tries (each an exact solve); past it the rows stay in review
MIN_PAIRS = 20  # consecutive number lines a page shows before their never repeating tells how it was copied
_DIGITS = re.compile(r"\d+")


@dataclass
class Ambiguous:
    """A glued row whose own identities fit several cuts."""

    prefix: str  # "applications.new_received"
    fids: tuple[str, ...]  # its field ids, in column order
    printed: list[Cell]  # the cells as printed
    splits: list[list[Cell]]  # every cut that fits its own identities
    rules: tuple[Identity, ...]  # those identities
    label: str  # the row label as printed
    reason: str  # the review reason its cells carry
    groups: list[list[list[Cell]]] | None = None  # joins: the printed cells of each number, per reading


def splits(cells: Sequence[Cell], fids: Sequence[str], rules: Sequence[Identity]) -> list[list[Cell]]:
    """Every way to cut `cells` (digits only, fewer than fields) into len(fids) numbers satisfying
    `rules`, at most MAX_SPLITS. Without an identity every cut is as good as another: none."""
    n = len(fids)
    if not rules or not cells or len(cells) >= n or not all(_DIGITS.fullmatch(c.text) for c in cells):
        return []
    if sum(len(c.text) for c in cells) > MAX_GLUED_DIGITS:
        return []
    search = _Search(list(cells), list(fids), _due(fids, rules))
    search.run(0, 0, 0)
    return search.found


def fills(
    cells: Sequence[Cell], fids: Sequence[str], rules: Sequence[Identity], *, collapsed: bool | None
) -> list[list[Cell]]:
    """The readings of a row printing fewer numbers than it has fields, one per distinct set of
    values the row's identities allow. Two ways a page loses cells: blanks dropped (every placement of
    the printed cells in order, with empty cells where the rest stood) and identical consecutive cells
    collapsed (a crawler keeps one of identical consecutive lines: `28` / `0` / `28` for
    28,0,0,0,0,0,28; every way each printed cell stands for a run). `collapsed` is what the page says
    of itself (`collapsing`): False, it kept identical lines, so only blanks were dropped; True, it
    collapsed them, so a row is read as runs, and as dropped blanks only when no run fits it; None,
    it does not say, and both are readings. Readings that give every field the same value, or leave
    the same fields open, are one. Without an identity every placement is as good as another: none."""
    n, m = len(fids), len(cells)
    if not rules or not 0 < m < n or not all(_DIGITS.fullmatch(c.text) for c in cells):
        return []
    runs = _runs(cells, fids, rules) if collapsed is not False else []
    if collapsed:
        if read_as_runs := _distinct(runs, fids, rules):
            return read_as_runs
        runs = []  # no run fits: the row lost blanks
    readings = _placements(cells, n) + runs
    if len(readings) > MAX_FILLS:
        return []
    return _distinct(readings, fids, rules)


def collapsing(text: str) -> bool | None:
    """Whether a one-cell-per-line page collapsed runs of identical cells: a crawler that does so
    keeps one of identical consecutive lines everywhere, so a page showing two identical number lines
    in a row did not (False), and a page whose many consecutive number lines never repeat did (True:
    a table of counts, most of them 0, that kept its runs repeats within a few rows). None when the
    page shows too few consecutive number lines to say (cells set apart by blank lines, a short table)."""
    pairs, previous = 0, ""
    for line in text.split("\n"):
        number = line.strip()
        if not number.isdigit():
            previous = ""
            continue
        if previous:
            if number == previous:
                return False
            pairs += 1
        previous = number
    return True if pairs >= MIN_PAIRS else None


def shifts(blocks: Sequence[Sequence[Cell]], fids: Sequence[str], rules: Sequence[Identity]) -> list[list[Cell]]:
    """The readings of a run of cells whose own order and empty cells are known (blank lines or
    spaces said where the empties between printed cells stood) but not the field it begins at: every
    start, the fields before and after it empty, one reading per distinct set of values the
    identities allow. Several `blocks` are the run as each spacing the page allows reads it: their
    readings are pooled, so two spacings that give different values are two readings, not a choice."""
    readings: list[list[Cell]] = []
    for block in blocks:
        n, m = len(fids), len(block)
        if not rules or not 0 < m <= n or not all(c.text == "" or _DIGITS.fullmatch(c.text) for c in block):
            continue
        head, tail = (
            Cell("", block[0].start, block[0].start, block[0].line),
            Cell("", block[-1].end, block[-1].end, block[-1].line),
        )
        readings += [[head] * k + list(block) + [tail] * (n - m - k) for k in range(n - m + 1)]
    return _distinct(readings, fids, rules)


def _distinct(readings: list[list[Cell]], fids: Sequence[str], rules: Sequence[Identity]) -> list[list[Cell]]:
    """The readings the identities allow, one per distinct set of values (forced blanks solved)."""
    distinct: dict[tuple[int | float | None, ...], list[Cell]] = {}
    for reading in readings:
        known: dict[str, int | float] = {f: int(c.text) for f, c in zip(fids, reading, strict=True) if c.text}
        if not all(holds(r, known) for r in rules if r.cell_set <= known.keys()):
            continue
        solved = solve(rules, known)
        if not solved.feasible:
            continue
        forced = {f: v for f, (v, _) in solved.forced.items()}
        distinct.setdefault(tuple(known.get(f, forced.get(f)) for f in fids), reading)
    return list(distinct.values())


def _placements(cells: Sequence[Cell], n: int) -> list[list[Cell]]:
    """The printed cells in order, with n - len(cells) empty cells put among them every way."""
    m = len(cells)
    if math.comb(n, n - m) > MAX_FILLS:
        return []
    out = []
    for gaps in combinations(range(n), n - m):
        it, row = iter(cells), list[Cell]()
        for k in range(n):
            if k in gaps:
                at = row[-1].end if row else cells[0].start
                row.append(Cell("", at, at, cells[0].line))
            else:
                row.append(next(it))
        out.append(row)
    return out


def _runs(cells: Sequence[Cell], fids: Sequence[str], rules: Sequence[Identity]) -> list[list[Cell]]:
    """Each printed cell repeated one or more times, len(fids) cells in all, every way whose
    identities hold as far as they are read (each checked once its last cell is placed, which prunes
    the search: 表四's 15 cells from 8 printed ones are 3,432 compositions, few of them past R4)."""
    n, m = len(fids), len(cells)
    due = _due(fids, rules)
    found: list[list[Cell]] = []
    row: list[Cell] = []
    values: dict[str, int] = {}

    def run(ci: int) -> None:
        if len(found) > MAX_FILLS:
            return
        if ci == m:
            if len(row) == n:
                found.append(list(row))
            return
        k0, number = len(row), int(cells[ci].text)
        for length in range(1, n - k0 - (m - ci - 1) + 1):
            k = k0 + length - 1
            row.append(cells[ci])
            values[fids[k]] = number
            if not all(holds(r, values) for r in due.get(k, ())):
                break  # a longer run completes the same identity with the same values: it fails too
            run(ci + 1)
        del row[k0:]
        for k in range(k0, n):
            values.pop(fids[k], None)

    run(0)
    return found if len(found) <= MAX_FILLS else []  # too many to be told apart: none


def _due(fids: Sequence[str], rules: Sequence[Identity]) -> dict[int, list[Identity]]:
    """The identities by the field whose reading completes them: each is checked as soon as its last
    cell is read, which prunes the search early (a group of 表四 is settled before the next is cut)."""
    position = {f: k for k, f in enumerate(fids)}
    due: dict[int, list[Identity]] = {}
    for r in rules:
        if all(c in position for c in r.cells):
            due.setdefault(max(position[c] for c in r.cells), []).append(r)
    return due


class _Search:
    def __init__(self, cells: list[Cell], fids: list[str], due: dict[int, list[Identity]]) -> None:
        self.cells, self.fids, self.due = cells, fids, due
        self.digits_after = [sum(len(c.text) for c in cells[i + 1 :]) for i in range(len(cells))]
        self.values: dict[str, int] = {}
        self.pieces: list[Cell] = []
        self.found: list[list[Cell]] = []

    def run(self, ci: int, at: int, k: int) -> None:
        """Cut cell `ci` from offset `at` on, as field `k` and those after it."""
        if ci == len(self.cells):
            if k == len(self.fids):
                self.found.append(list(self.pieces))
            return
        cell, n = self.cells[ci], len(self.fids)
        text, later = cell.text, len(self.cells) - ci - 1
        for end in range(at + 1, len(text) + 1):
            if len(self.found) >= MAX_SPLITS or k >= n:
                return
            piece = text[at:end]
            if len(piece) > 1 and piece[0] == "0":
                return  # a leading zero: no longer piece from here is a number either
            fields_left = n - k - 1
            ends_cell = end == len(text)
            if fields_left < later + (0 if ends_cell else 1):
                continue  # too few fields left for the cells after
            if fields_left > len(text) - end + self.digits_after[ci]:
                continue  # more fields left than digits
            self.values[self.fids[k]] = int(piece)
            self.pieces.append(Cell(piece, cell.start + at, cell.start + end, cell.line))
            if all(holds(r, self.values) for r in self.due.get(k, ())):
                self.run(ci + 1 if ends_cell else ci, 0 if ends_cell else end, k + 1)
            self.pieces.pop()
            del self.values[self.fids[k]]


def joins(cells: Sequence[Cell], fids: Sequence[str], rules: Sequence[Identity]) -> list[list[list[Cell]]]:
    """Every way to join `cells` (digits only, more than fields, at most MAX_EXTRA more) into
    len(fids) numbers, consecutive cells joined, satisfying `rules`: a number a page broke over two
    lines ("1" / "62" for 162, as Word exports do in narrow cells). Each reading is a list of the
    printed cells each field is made of."""
    n, m = len(fids), len(cells)
    if not rules or m <= n or m - n > MAX_EXTRA or not all(_DIGITS.fullmatch(c.text) for c in cells):
        return []
    due = _due(fids, rules)
    found: list[list[list[Cell]]] = []
    values: dict[str, int] = {}
    groups: list[list[Cell]] = []

    def run(ci: int, k: int) -> None:
        if ci == m or k == n:
            if ci == m and k == n:
                found.append(list(groups))
            return
        for cj in range(ci + 1, m + 1):
            if m - cj < n - k - 1 or len(found) >= MAX_SPLITS:
                return
            group = list(cells[ci:cj])
            text = "".join(c.text for c in group)
            if len(group) > 1 and text[0] == "0":
                return  # a number does not begin with 0: neither does any longer join from here
            values[fids[k]] = int(text)
            if all(holds(r, values) for r in due.get(k, ())):
                groups.append(group)
                run(cj, k + 1)
                groups.pop()
            del values[fids[k]]

    run(0, 0)
    return found


def settle_jointly(
    rows: Sequence[Ambiguous], known: Mapping[str, int | float], rules: Sequence[Identity]
) -> list[list[list[Cell]]]:
    """For each row of `rows`, the cuts that belong to some solution of all of `rules` together (the
    other cells as `known`, the cells no one printed unknown whole numbers >= 0, solved exactly by
    rules.solve). A row left with one cut is settled; a row left with none means the rows admit no
    joint solution (the source breaks an identity)."""
    if not rows:
        return []
    if math.prod(len(r.splits) for r in rows) > MAX_JOINT:
        return _prune(rows, known, rules)
    kept: list[set[int]] = [set() for _ in rows]
    for choice in product(*(range(len(r.splits)) for r in rows)):
        values = dict(known)
        for row, k in zip(rows, choice, strict=True):  # an empty cell (a dropped blank) stays unknown
            values.update((f, int(c.text)) for f, c in zip(row.fids, row.splits[k], strict=True) if c.text)
        if _feasible(rules, values):
            for i, k in enumerate(choice):
                kept[i].add(k)
    return [[r.splits[k] for k in sorted(keep)] for r, keep in zip(rows, kept, strict=True)]


def _prune(
    rows: Sequence[Ambiguous], known: Mapping[str, int | float], rules: Sequence[Identity]
) -> list[list[list[Cell]]]:
    """Too many combinations to try together: drop, row by row, each cut that has no solution even
    with every other unsettled row's cells left free (a sound relaxation: a cut it drops belongs to no
    joint solution), until nothing moves; then, if few enough combinations are left, the exact step."""
    left = [list(r.splits) for r in rows]
    for _ in range(len(rows)):
        moved = False
        settled = dict(known)
        for row, cuts in zip(rows, left, strict=True):
            if len(cuts) == 1:
                settled.update((f, int(c.text)) for f, c in zip(row.fids, cuts[0], strict=True) if c.text)
        for i, row in enumerate(rows):
            if len(left[i]) < 2:
                continue
            keep = [cut for cut in left[i] if _feasible(rules, {**settled, **_values(row.fids, cut)})]
            moved |= len(keep) < len(left[i])
            left[i] = keep
            if len(keep) == 1:
                settled.update(_values(row.fids, keep[0]))
        if not moved:
            break
    if all(left) and math.prod(len(cuts) for cuts in left) <= MAX_JOINT:
        narrowed = [
            Ambiguous(r.prefix, r.fids, r.printed, cuts, r.rules, r.label, r.reason, r.groups)
            for r, cuts in zip(rows, left, strict=True)
        ]
        return settle_jointly(narrowed, known, rules)
    return left


def _values(fids: Sequence[str], cut: Sequence[Cell]) -> dict[str, int]:
    return {f: int(c.text) for f, c in zip(fids, cut, strict=True) if c.text}


def _feasible(rules: Sequence[Identity], values: dict[str, int | float]) -> bool:
    """Every identity whose cells are all known holds, and the others have a solution together."""
    if not all(holds(r, values) for r in rules if r.cell_set <= values.keys()):
        return False
    return solve(rules, values).feasible
