"""Cells placed by where they stand, in fixed-width text.

A table exported as monospaced text (`pdftotext -layout`, a Word or spreadsheet text export) sets
each number in its column by spaces. An empty cell leaves nothing but spaces, so a row with blanks
shows fewer numbers than columns, and only their positions say which columns they are in.
Normalisation drops spaces, so positions are measured in the original text: the display column of
a cell's edges on its line (a CJK character is two columns wide, as a monospaced font draws it).

The columns are learned from the table itself: the rows that print every cell give each column's
edge (numbers are usually right-aligned, sometimes left-aligned); failing those, the edges of all
its numbers, when they fall into exactly as many tight groups as the table has columns. Only when
the rows agree (every edge within one column of its column's median, columns clearly apart) is a
short row placed, each number under the one column it stands at. Anything else leaves the row as it
was, in review.
"""

from __future__ import annotations

import itertools
import statistics
import unicodedata
from collections.abc import Sequence

from extractor.core.normalize import NormalText
from extractor.rules.cells import Cell

MIN_COMPLETE_ROWS = 2  # rows printing every cell, needed before positions are trusted
_SPREAD = 1  # how far a complete row's edge may stand from its column's median
_MIN_GAP = 3  # columns closer than this cannot be told apart by position


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def edges(doc: NormalText, cells: Sequence[Cell]) -> list[tuple[int, int]] | None:
    """The display columns (left, right) of each cell on its line in the original text; None when the
    cells are not on one line, or the line holds a tab (its width depends on the viewer) or a pipe (its
    cells are set apart by pipes: an empty one is printed, not left to the spaces)."""
    if not cells or any(c.line != cells[0].line for c in cells):
        return None
    spans = doc.to_original.spans([(c.start, c.end) for c in cells])
    original = doc.original
    line_start = original.rfind("\n", 0, spans[0][0]) + 1
    between = original[line_start : spans[-1][1]]
    if "\t" in between or "|" in between:  # a tab's width is the viewer's; pipes are cells, not columns
        return None
    out, x, at = [], 0, line_start
    for s, e in spans:
        x += display_width(original[at:s])
        left = x
        x += display_width(original[s:e])
        out.append((left, x))
        at = e
    return out


def anchors(complete: Sequence[list[tuple[int, int]]], n: int) -> tuple[int, list[float]] | None:
    """(edge, column positions) learned from rows that print all `n` cells: edge 1 when numbers are
    right-aligned, 0 when left-aligned; None when the rows do not line up."""
    if len(complete) < MIN_COMPLETE_ROWS:
        return None
    for edge in (1, 0):
        columns = [[row[k][edge] for row in complete] for k in range(n)]
        medians = [statistics.median(col) for col in columns]
        lined_up = all(abs(x - m) <= _SPREAD for col, m in zip(columns, medians, strict=True) for x in col)
        apart = all(b - a >= _MIN_GAP for a, b in itertools.pairwise(medians))
        if lined_up and apart:
            return edge, medians
    return None


def clustered(rows: Sequence[list[tuple[int, int]]], n: int) -> tuple[int, list[float]] | None:
    """(edge, column positions) when the edges of every number printed in the table fall into exactly
    `n` tight groups, clearly apart: the columns, even where no row prints every cell. The other edge
    of right-aligned numbers varies with their digits, so it makes more groups and is not chosen."""
    for edge in (1, 0):
        xs = sorted(cell[edge] for row in rows for cell in row)
        groups: list[list[int]] = []
        for x in xs:
            if groups and x - groups[-1][0] <= 2 * _SPREAD:
                groups[-1].append(x)
            else:
                groups.append([x])
        if len(groups) != n:
            continue
        medians = [statistics.median(g) for g in groups]
        if all(b - a >= _MIN_GAP for a, b in itertools.pairwise(medians)):
            return edge, medians
    return None


def place(row: list[tuple[int, int]], edge: int, columns: list[float]) -> list[int] | None:
    """The column of each cell of a short row, in order; None when a cell stands under no column."""
    tolerance = max(1.0, min(b - a for a, b in itertools.pairwise(columns)) / 3)
    out: list[int] = []
    for cell in row:
        k = min(range(len(columns)), key=lambda i: abs(columns[i] - cell[edge]))
        if abs(columns[k] - cell[edge]) > tolerance or (out and k <= out[-1]):
            return None
        out.append(k)
    return out


_PITCH_DIVISORS = (1, 2, 3)  # the narrowest spacing seen may be two or three columns, every one blank


def empties_by_pitch(row: Sequence[tuple[int, int]]) -> list[list[int]]:
    """A row printed alone, with no header or complete row to learn its columns from (表四's fifteen
    numbers on one line): the empty cells between each two consecutive numbers, for every column
    pitch the row's own spacing allows. A pitch is the narrowest step between numbers (or a half or a
    third of it: those columns might all have been apart by blanks) that every step is a whole
    multiple of, give or take one column, and that leaves a blank beside the widest number. Several
    answers are several readings for the identities to decide between; none when the spacing is not
    regular."""
    out: list[list[int]] = []
    if len(row) < 3:
        return out
    widest = max(b - a for a, b in row)
    for edge in (1, 0):
        steps = [b[edge] - a[edge] for a, b in itertools.pairwise(row)]
        for k in _PITCH_DIVISORS:
            pitch = min(steps) / k
            if pitch < max(_MIN_GAP + 1, widest + 2):  # columns at least a blank apart
                break
            multiples = [round(d / pitch) for d in steps]
            if all(abs(d - m * pitch) <= _SPREAD for d, m in zip(steps, multiples, strict=True)):
                counts = [m - 1 for m in multiples]
                if counts not in out:
                    out.append(counts)
    return out


def with_blanks(cells: list[Cell], where: list[int], n: int) -> list[Cell]:
    """`cells` laid in their columns `where`, an empty cell in every other column (at the position of
    the next printed cell, or after the last one)."""
    out: list[Cell] = []
    by_column = dict(zip(where, cells, strict=True))
    for k in range(n):
        if k in by_column:
            out.append(by_column[k])
            continue
        after = next((by_column[j] for j in range(k + 1, n) if j in by_column), None)
        at = after.start if after is not None else (out[-1].end if out else 0)
        line = cells[0].line if cells else 0
        out.append(Cell("", at, at, line))
    return out
