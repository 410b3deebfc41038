"""Cut a table region of the normalised text into cells, whatever flattening the report went through.

Three styles occur (report-format.md §7):
- `bordered`: every table row is one line `| a | b | c |` (Markdown, rendered HTML). A line of its
  own is a physical row; `|---|` marks the line above it as a header.
- `open`: cells end with `|` but rows wrap freely; an empty cell is a newline between two pipes
  (`8 | 1 |` ⏎ `|` ⏎ `| 9 |`). Rows are found by their labels, not by lines.
- `lines`: no pipes; one cell per line (blank lines separate cells and carry no meaning).
Tab-separated rows are `bordered` too: a line is a row, a tab a column, an empty field an empty cell.

A cell whose text is a label followed by numbers ("行政许可 97", a PDF text line) is split into a label
cell and value cells, so every later stage sees one value per cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Literal

Style = Literal["bordered", "open", "lines", "spaced"]

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# A number as it may stand in a cell, with sign word, unit and thousands separators.
_SIGN = r"(?:增加|减少|增|减|[+-])?"
_UNIT = r"(?:[万亿])?(?:万元|亿元|元|件|项)?"
_NUM = rf"{_SIGN}\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?{_UNIT}|{_SIGN}\d+(?:\.\d+)?{_UNIT}"
_NUM_RE = re.compile(_NUM)
_HAS_DIGIT = re.compile(r"\d")
_TRAILING_NUMBERS = re.compile(rf"(?:^|(?<=[^\d.,]))\s*((?:{_NUM})(?:\s+(?:{_NUM}|[/—-]))*)\s*$")
_ALL_NUMBERS = re.compile(rf"^\s*(?:{_NUM})(?:\s+(?:{_NUM}|[/—-]))+\s*$")
# A row's cells glued into one run of digits, and the next row label's numbering glued after them
# ("3200000322.其他法律…": the cells 320000032, then "2.其他法律…"), as text scraped from a table
# without separators reads. A numbering is one digit (表三 numbers its sub-rows 1 to 8); the run
# before it is a whole row, several cells long, so a label numbered "12." is never cut.
_GLUED_NUMBERING = re.compile(r"\d{3}[1-9][.、](?=[\u4e00-\u9fff])")
_WORD = re.compile(r"\S+")  # compiled once: re.finditer(pattern, …) looks its pattern up in re's cache per call
_STREAM_PIECE = re.compile(r"[-+]?\d+(?:\.\d+)?(?![\d.、])|(?:\d{1,2}[.、])?[^\d\s]+")


# init=False and an __init__ of our own: compiled by mypyc, a dataclass's generated __init__ stays
# interpreted, and a report makes a few hundred cells.
@dataclass(slots=True, init=False)
class Cell:
    text: str
    start: int  # offsets of the stripped text in the normalised document
    end: int
    line: int  # index of the physical line (bordered: the table row) the cell sits on
    loose: bool  # bordered style: a line outside any `|` row
    header: bool  # bordered style: the row above a `|---|` line with no numbers in it

    def __init__(self, text: str, start: int, end: int, line: int, loose: bool = False, header: bool = False) -> None:
        self.text, self.start, self.end, self.line, self.loose, self.header = text, start, end, line, loose, header


def detect_style(region: str) -> Style:
    pipe_lines = [ln.strip() for ln in region.split("\n") if "|" in ln]
    if not pipe_lines:
        # Tab-separated rows (a spreadsheet or Word table saved as text) are rows as surely as `|`
        # rows: each line a row, each tab a column, an empty field an empty cell.
        if "\t" not in region:  # no tab, no tabbed row: lines (the common case, without a regex a line)
            return "lines"
        rows = [ln for ln in region.split("\n") if _HAS_DIGIT.search(ln)]
        tabbed = sum(1 for ln in rows if "\t" in ln.strip("\n"))
        return "bordered" if rows and tabbed >= 0.8 * len(rows) else "lines"
    bordered = sum(1 for ln in pipe_lines if ln.startswith("|") and ln.endswith("|") and len(ln) > 1)
    return "bordered" if bordered >= 0.8 * len(pipe_lines) else "open"


def tokenize(text: str, start: int, end: int) -> tuple[Style, list[Cell]]:
    region = text[start:end]
    style = detect_style(region)
    if style == "bordered":
        cells = _bordered(region, start)
    elif style == "open":
        cells = _open(region, start)
    elif (gap := _cell_gap(region)) is not None:
        style, cells = "spaced", _spaced(region, start, gap)
    else:
        cells = _lines(region, start)
    return style, _split_glued_labels(cells)


def _blank_runs(region: str) -> list[int]:
    """The number of blank lines between each two consecutive lines with text."""
    runs, run, seen = [], 0, False
    for ln in region.split("\n"):
        if ln.strip():
            if seen:
                runs.append(run)
            seen, run = True, 0
        else:
            run += 1
    return runs


def _cell_gap(region: str) -> int | None:
    """One cell per line, the cells of a row set apart by a fixed number of blank lines (`gap`; rows
    may follow each other without one): then an empty cell is one more blank line, plus the gap after
    it, and a run of blank lines says exactly how many empty cells it holds (`spaced`). None when the
    blank lines follow no such rule (paragraph spacing, a page break): they then mean nothing."""
    gap = separator_gap(region)
    if gap is None or max(_blank_runs(region)) <= gap:
        return None  # no empty cell at all: nothing to count
    return gap


def separator_gap(region: str) -> int | None:
    """The number of blank lines that set a row's cells apart, when one cell per line and the blank
    lines follow that rule (see _cell_gap); None otherwise."""
    runs = _blank_runs(region)
    spaced = [r for r in runs if r]
    if len(runs) < 10 or len(spaced) < 0.6 * len(runs):
        return None  # single-spaced text: a blank line here and there may be anything
    gap = min(spaced)
    return gap if all(r % (gap + 1) in (0, gap) for r in runs) else None


def empties_between(text: str, cells: Sequence[Cell], gap: int) -> list[int] | None:
    """How many empty cells stand between each two consecutive `cells` (one per line, `gap` blank
    lines apart, each empty cell one more line and its gap), or None when only blank lines do not
    part them or a run of blank lines fits no count."""
    out = []
    for a, b in pairwise(cells):
        between = text[a.end : b.start]
        if between.strip() or between.count("\n") < 1:
            return None
        extra = between.count("\n") - 1 - gap
        if extra < 0 or extra % (gap + 1):
            return None
        out.append(extra // (gap + 1))
    return out


def _spaced(region: str, base: int, gap: int) -> list[Cell]:
    """One cell per line, cells `gap` blank lines apart: each `gap + 1` blank lines in a run are an
    empty cell (its own empty line and the gap after it), placed where the blank lines stand."""
    cells: list[Cell] = []
    pos, run, seen = base, 0, False
    for idx, ln in enumerate(region.split("\n")):
        off, pos = pos, pos + len(ln) + 1
        if not ln.strip():
            run += 1
            continue
        if seen:
            cells += [Cell("", off, off, idx) for _ in range(run // (gap + 1))]
        seen, run = True, 0
        cells.append(_strip(ln, off, idx))
    return cells


def _strip(text: str, offset: int, line: int, loose: bool = False, header: bool = False) -> Cell:
    stripped = text.strip()
    if stripped == text:  # most cells: nothing to strip
        return Cell(text, offset, offset + len(text), line, loose, header)
    s = offset + (text.index(stripped[0]) if stripped else len(text))
    return Cell(stripped, s, s + len(stripped), line, loose, header)


def _pipe_row(line: str, offset: int, idx: int) -> list[Cell]:
    """The cells between the pipes of one line; text before the first pipe ("a | b |") is a cell too,
    text after the last one is not."""
    pieces = line.split("|")
    first = pieces[0]
    row = [_strip(first, offset, idx)] if first.strip() else []
    at = offset + len(first) + 1
    for piece in pieces[1:-1]:
        row.append(_strip(piece, at, idx))
        at += len(piece) + 1
    return row


def _bordered(region: str, base: int) -> list[Cell]:
    rows: list[list[Cell]] = []
    pos = base
    for idx, ln in enumerate(region.split("\n")):
        off, pos = pos, pos + len(ln) + 1
        if not ln.strip():
            continue
        if _SEPARATOR.match(ln):
            if rows and not any(_NUM_RE.fullmatch(c.text) for c in rows[-1]):
                rows[-1] = [Cell(c.text, c.start, c.end, c.line, c.loose, True) for c in rows[-1]]
            continue
        if "|" in ln:
            rows.append(_pipe_row(ln, off, idx))
        elif "\t" in ln.strip(" "):
            rows.append(_tab_row(ln, off, idx))
        else:
            rows.append(_loose_line(ln, off, idx))
    return [c for row in rows for c in row]


# A line outside the rows made only of numbers, each perhaps with its note: "22 (其中修订16件) 55
# (含自然失效29件)". A PDF conversion prints each on a line of its own; a page that lost its line
# breaks keeps them on one. Each number and each note is a loose cell of its own either way.
_NOTED_NUMBERS = re.compile(r"\s*\d+(?:\s*\([^()\n]*\))?(?:\s+\d+(?:\s*\([^()\n]*\))?)*\s*")
_NOTED_PIECE = re.compile(r"\d+|\([^()\n]*\)")


def _loose_line(line: str, offset: int, idx: int) -> list[Cell]:
    if "(" not in line or not _NOTED_NUMBERS.fullmatch(line):
        return [_strip(line, offset, idx, loose=True)]
    return [Cell(m.group(), offset + m.start(), offset + m.end(), idx, True) for m in _NOTED_PIECE.finditer(line)]


def _tab_row(line: str, offset: int, idx: int) -> list[Cell]:
    """The fields of a tab-separated line, empty ones kept (the last one too: a closing tab's empty
    field is dropped later, where a row has more cells than columns)."""
    row, at = [], offset
    for piece in line.rstrip(" ").split("\t"):
        row.append(_strip(piece, at, idx))
        at += len(piece) + 1
    return row


def _open(region: str, base: int) -> list[Cell]:
    cells: list[Cell] = []
    pending: tuple[str, int, int] | None = None  # text, offset, line of a cell still open at a line end
    pos = base
    for idx, ln in enumerate(region.split("\n")):
        off, pos = pos, pos + len(ln) + 1
        if "|" not in ln:
            if ln.strip():
                if pending is not None and pending[0].strip():
                    cells.append(_strip(*pending))
                pending = None
                cells.append(_strip(ln, off, idx))
            continue
        pieces = ln.split("|")
        first = pieces[0]
        if pending is not None and not first.strip():
            # The cell left open on an earlier line closes here: a newline between pipes is an empty cell.
            cells.append(Cell("", off, off, idx))
        else:
            if pending is not None and pending[0].strip():
                cells.append(_strip(*pending))
            cells.append(_strip(first, off, idx))
        at = off + len(first) + 1
        for piece in pieces[1:-1]:
            cells.append(_strip(piece, at, idx))
            at += len(piece) + 1
        pending = (pieces[-1], at, idx)
    if pending is not None and pending[0].strip():
        cells.append(_strip(*pending))
    return cells


def _lines(region: str, base: int) -> list[Cell]:
    cells: list[Cell] = []
    pos = base
    for idx, ln in enumerate(region.split("\n")):
        off, pos = pos, pos + len(ln) + 1
        stripped = ln.strip()
        if not stripped:
            continue
        if "\t" in ln:
            at = off
            for piece in ln.split("\t"):
                cells.append(_strip(piece, at, idx))
                at += len(piece) + 1
        elif stripped == ln:  # most lines: one cell with nothing to strip
            cells.append(Cell(ln, off, pos - 1, idx))
        else:
            cells.append(_strip(ln, off, idx))
    return cells


def _split_glued_labels(cells: list[Cell]) -> list[Cell]:
    """'行政许可 97' -> '行政许可', '97'; '1 0 0 0 1' -> five cells. Pure labels and numbers stay as they are."""
    out: list[Cell] = []
    for c in cells:
        if not c.text or c.text.isdigit():  # most cells: one count or a blank, nothing to split
            out.append(c)
            continue
        pieces = _glued_pieces(c.text)
        if pieces is None:
            out.append(c)
        else:
            out.extend(Cell(t, c.start + a, c.start + b, c.line, c.loose, c.header) for t, a, b in pieces)
    return out


@lru_cache(maxsize=4096)  # the same cell texts recur in every report; small, so memory stays flat
def _glued_pieces(text: str) -> tuple[tuple[str, int, int], ...] | None:
    """The pieces (text, start, end) a glued cell splits into, or None when it is one cell."""
    if not text or not _HAS_DIGIT.search(text) or _NUM_RE.fullmatch(text):
        return None
    if _GLUED_NUMBERING.search(text):
        return _stream_pieces(text)
    if _ALL_NUMBERS.match(text):
        return _number_pieces(text, 0)
    m = _TRAILING_NUMBERS.search(text)
    if not m or m.start(1) == 0 or _ends_inside_label(text[: m.start(1)]):
        return None
    label = text[: m.start(1)].rstrip()
    return ((label, 0, len(label)), *_number_pieces(m.group(1), m.start(1)))


def _stream_pieces(text: str) -> tuple[tuple[str, int, int], ...]:
    """Labels and runs of digits in a stretch of glued rows ("0000202 1.属于国家秘密 0000000 2.其他…"
    with no space anywhere): each digit run is a row's cells (split later, by its identity), each
    label keeps the numbering digit glued to the run before it."""
    pieces: list[tuple[str, int, int]] = []
    for m in _WORD.finditer(text):
        word, at = m.group(), m.start()
        k = 0
        while k < len(word):
            if word[k].isdigit() and (cut := _numbering_at(word, k)) is not None:
                if cut > k:
                    pieces.append((word[k:cut], at + k, at + cut))
                k = cut
            p = _STREAM_PIECE.match(word, k)
            if p is None:  # a lone sign or separator: part of nothing
                k += 1
                continue
            pieces.append((p.group(), at + p.start(), at + p.end()))
            k = p.end()
    return tuple(pieces)


def _numbering_at(word: str, k: int) -> int | None:
    """Where a label's numbering starts inside the digit run at `k`, when the run ends in one."""
    end = k
    while end < len(word) and word[end].isdigit():
        end += 1
    if end - k >= 4 and end < len(word) - 1 and word[end] in ".、" and "\u4e00" <= word[end + 1] <= "\u9fff":
        return end - 1
    return None


def _ends_inside_label(prefix: str) -> bool:
    # "第二十条第(一)项" or "2.重复申请" must not lose a digit that belongs to the label.
    p = prefix.rstrip()
    return not p or p[-1] in "第前近(（.、"


def _number_pieces(text: str, offset: int) -> tuple[tuple[str, int, int], ...]:
    return tuple((m.group(0), offset + m.start(), offset + m.end()) for m in _WORD.finditer(text))
