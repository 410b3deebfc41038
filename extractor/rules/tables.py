"""Read 表二, 表三 and 表四 from cells: rows by their normalised labels, columns by the official layout.

Rows are identified by label, never by counting numbers. A row whose label is lost (PDF-to-Markdown
tables) is placed by the template order only when the labelled rows around it leave exactly as many
free slots as there are such rows; otherwise it is reported, not guessed. A row with fewer cells than
columns is reported as unaligned instead of shifting its values.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from extractor.core.arithmetic import holds
from extractor.core.layout import Block, Column, Row, layout
from extractor.core.normalize import NormalText, label_key, label_number
from extractor.core.numbers import Number, parse_cell, plain_count
from extractor.core.reading import Reading, span
from extractor.core.schema import Format, Identity, Span, Status, Value, identities
from extractor.rules import positions
from extractor.rules.cells import Cell, Style, empties_between, separator_gap, tokenize
from extractor.rules.glued import Ambiguous, collapsing, fills, joins, settle_jointly, shifts, splits

Quality = str  # "exact" | "prefix" | "fragment" | "order"


@dataclass(init=False)  # an __init__ of our own, which mypyc compiles (see cells.Cell)
class Observed:
    """A row as seen in the text: its label cell (if any), candidate row ids and its cells."""

    label: Cell | None
    candidates: frozenset[str] | None  # None: no label at all
    quality: Quality
    cells: list[Cell]
    loose: bool
    row_id: str | None  # the row it was placed in
    detached: str | None  # why one of its cells came from outside the row
    duplicate: str | None  # the row whose label it repeats, when that row was placed already

    def __init__(
        self,
        label: Cell | None,
        candidates: frozenset[str] | None,
        quality: Quality,
        cells: list[Cell] | None = None,
        loose: bool = False,
    ) -> None:
        self.label, self.candidates, self.quality, self.loose = label, candidates, quality, loose
        self.cells = [] if cells is None else cells
        self.row_id = self.detached = self.duplicate = None
        self.by_position = False  # its blank cells were placed by where its numbers stand (fixed width)
        # the row just before it is a label with no cells: labels printed apart from their rows (as PDF
        # exports do), so the label before this row's cells may not be theirs where line breaks were lost
        self.after_bare_label = False

    def has_numbers(self) -> bool:
        return any(isinstance(parse_cell(c.text, "signed"), Number) for c in self.cells)


# ---------------------------------------------------------------- label matching
class Labels:
    """Everything a table's label matcher needs: rows in template order and the non-row labels.

    Matching is memoised per instance: the same few hundred cell texts recur in every report.
    """

    def __init__(self, rows: tuple[Row, ...], columns: frozenset[str], groups: frozenset[str]) -> None:
        self.rows = rows
        self.columns = columns  # keys of column headers (never row labels when unnumbered)
        self.groups = groups  # keys of merged group labels (no own numbers)
        # row id -> the id of the row its group label heads ((六)其他处理 is a row and a group in 2021)
        by_key = {k: r.id for r in rows for k in r.keys}
        self.parents = {r.id: by_key[label_key(r.group)] for r in rows if r.group and label_key(r.group) in by_key}
        self._memo: dict[str, tuple[frozenset[str], Quality] | None] = {}

    def match(self, text: str) -> tuple[frozenset[str], Quality] | None:
        try:
            return self._memo[text]
        except KeyError:
            if len(self._memo) > 100_000:
                self._memo.clear()
            found = self._memo[text] = _match(self, text)
            return found


def match(labels: Labels, text: str) -> tuple[frozenset[str], Quality] | None:
    return labels.match(text)


# A numbered child label after other words on its line: its group's label, or the end of it
# ("(四)无2.没有现成信息…", "予处理4.无正当理由…"): a group label and its first row on one line.
_INNER_NUMBERING = re.compile(r"(?<=[^\d\s.、])\s*(?=[1-9][.、]\s*[\u4e00-\u9fff])")


def _match(labels: Labels, text: str) -> tuple[frozenset[str], Quality] | None:
    found = _match_whole(labels, text)
    if found is None and (inner := _INNER_NUMBERING.search(text)) is not None:
        return _match_whole(labels, text[inner.end() :])
    return found


def _match_whole(labels: Labels, text: str) -> tuple[frozenset[str], Quality] | None:
    key = label_key(text)
    if len(key) < 2 and not (key and label_number(text)):
        return None
    number = label_number(text)
    if number is None and (key in labels.columns or key in labels.groups):
        return None
    for quality, test in _TESTS:
        hits = [r for r in labels.rows if any(test(key, k) for k in r.keys)]
        if number is not None and len(hits) > 1:
            hits = [r for r in hits if r.number == number] or hits
        if hits:
            return frozenset(r.id for r in hits), quality
    return None


def _fragment(key: str, row_key: str) -> bool:
    # A piece of a label split over cells, or a label with a short note glued on; never a sentence.
    return len(key) >= 3 and (key in row_key or (len(row_key) >= 4 and row_key in key and len(key) <= 2 * len(row_key)))


def _a_few_edits_off(key: str, row_key: str) -> bool:
    """A long label with a character misprinted, misread, added or dropped (信意 for 信息 from OCR,
    本年度新收 for 本年新收, 确认或者 for 确认或): still that row. Two edits are allowed in a label of
    12 characters or more; short labels are left alone: two of them may differ by one character.
    (Rows of one table differ by three edits or more: 本年新收… and 上年结转… by three.)"""
    n = min(len(key), len(row_key))
    return n >= 6 and _within_edits(key, row_key, 2 if n >= 12 else 1)


def _within_edits(a: str, b: str, k: int) -> bool:
    """Levenshtein distance of `a` and `b` is at most `k` (small k: bounded recursion)."""
    if abs(len(a) - len(b)) > k:
        return False
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    j = 0
    while j < len(a) and j < len(b) and a[-1 - j] == b[-1 - j]:
        j += 1
    if j:
        a, b = a[:-j], b[:-j]
    if not a or not b:
        return max(len(a), len(b)) <= k
    if k == 0:
        return False
    return _within_edits(a[1:], b[1:], k - 1) or _within_edits(a[1:], b, k - 1) or _within_edits(a, b[1:], k - 1)


_TESTS: tuple[tuple[Quality, Callable[[str, str], bool]], ...] = (
    ("exact", lambda key, k: key == k),
    ("prefix", lambda key, k: (len(key) >= 4 and k.startswith(key)) or (len(k) >= 2 and key.startswith(k))),
    ("prefix", _a_few_edits_off),
    ("fragment", _fragment),
)


# ---------------------------------------------------------------- rows from cells
def observe_rows(cells: Sequence[Cell], style: Style, labels: Labels) -> list[Observed]:
    """Group cells into observed rows: by physical line when bordered, by label anchors otherwise."""
    rows = _rows_bordered(cells, labels) if style == "bordered" else _rows_stream(cells, labels)
    for before, row in itertools.pairwise(rows):
        row.after_bare_label = before.label is not None and not before.cells
    _join_wrapped_labels(rows, labels)
    return rows


def _join_wrapped_labels(rows: list[Observed], labels: Labels) -> None:
    """A label wrapped over two lines, its numbers beside the first piece, between the pieces or
    beside the last (PDF text of a top-aligned, centred or bottom-aligned cell: "3.危及“三 1 0 …" /
    "安全一稳定”"; a converter's `|` rows: "| 2.其他法律行 | 0 | 0 …" / "| 政法规禁止公开 |  |  …"):
    when the row's own label is not exact and the pieces joined name one row (exactly, or at all where
    the row's label alone named none, several or a fragment), the row is that one and the pieces beside
    it were only its label."""
    for k, row in enumerate(rows):
        if not _has_text(row) or (_sure(row) and row.quality == "exact"):
            continue
        before = rows[k - 1] if k > 0 and _bare_piece(rows[k - 1]) else None
        after = rows[k + 1] if k + 1 < len(rows) and _bare_piece(rows[k + 1]) else None
        own = row.label.text if row.label is not None else ""
        for head, tail in ((before, None), (None, after), (before, after)):
            if (head is None and tail is None) or (not own and (head is None or tail is None)):
                continue  # nothing to join, or an unlabelled row with one piece beside it
            text = (
                (head.label.text if head and head.label else "")
                + own
                + (tail.label.text if tail and tail.label else "")
            )
            joined = match(labels, text)
            if joined is None or len(joined[0]) != 1 or joined[1] == "fragment":
                continue
            if _sure(row) and (joined[1] != "exact" or joined[0] != row.candidates):
                continue  # a prefix names its row already; only its own whole label adds to it
            row.candidates, row.quality = joined
            for piece in (head, tail):
                if piece is not None:
                    piece.candidates, piece.cells = None, []  # only a piece of this row's label
            break


def _sure(row: Observed) -> bool:
    return row.candidates is not None and len(row.candidates) == 1 and row.quality != "fragment"


def _has_text(row: Observed) -> bool:
    return any(c.text for c in row.cells)


def _bare_piece(row: Observed) -> bool:
    """A label with no cells (or only empty ones) that is not a whole label of its own."""
    return row.label is not None and not _has_text(row) and not (row.candidates is not None and row.quality == "exact")


def _is_value(text: str) -> bool:
    """A number (of any sign) or a blank/placeholder, not a label."""
    return plain_count(text) or parse_cell(text, "signed") is not None


def _rows_bordered(cells: Sequence[Cell], labels: Labels) -> list[Observed]:
    rows: list[Observed] = []
    by_line: dict[int, list[Cell]] = {}
    for c in cells:
        by_line.setdefault(c.line, []).append(c)
    for line_cells in by_line.values():
        if line_cells[0].header:
            continue
        loose = line_cells[0].loose
        first_value = _first_value(line_cells)
        matches = [(c, m) for c in line_cells[:first_value] if (m := match(labels, c.text))]
        values = line_cells[first_value:]
        if loose and not (matches and values):
            # A line outside the `|` rows: a label alone cannot say where its values are, and a number
            # alone (a cell pulled out of its table, a page number) cannot say which row it is.
            continue
        obs = Observed(None, None, "order", list(values), loose=loose)
        if matches:
            obs.label = matches[-1][0]
            obs.candidates, obs.quality = _combine([m for _, m in matches], labels.parents)
        elif any(c.text for c in line_cells[:first_value]):
            continue  # a row whose text is no label of this table (another table's row, a note)
        rows.append(obs)
    return rows


def _first_value(cells: Sequence[Cell]) -> int:
    """Index of the first data cell: after the leading label cells (empty cells count as data)."""
    i = 0
    while i < len(cells) and not cells[i].text:
        i += 1
    while i < len(cells) and cells[i].text and not _is_value(cells[i].text):
        i += 1
    return i


def _combine(found: list[tuple[frozenset[str], Quality]], parents: dict[str, str]) -> tuple[frozenset[str], Quality]:
    """Several label pieces in one row ("缴纳费用、" | "行政机关不再处理其政"): what all of them allow.
    A group's label beside a child's ("（六）其他处理" | "3.其他情形", a merged cell repeated on each row
    it spans) names the group, not the row: the child's label decides even when only it is inexact."""
    last = found[-1]
    if last[1] != "fragment" and any(_children_of(last[0], m[0], parents) for m in found[:-1]):
        return last
    exact = [m for m in found if m[1] == "exact"]
    if exact:
        return exact[-1]
    cands = found[0][0]
    for c, _ in found[1:]:
        cands = cands & c or cands
    worst = "fragment" if any(q == "fragment" for _, q in found) else "prefix"
    return cands, worst


def _children_of(child: frozenset[str], group: frozenset[str], parents: dict[str, str]) -> bool:
    return all(parents.get(c) in group for c in child)


def _rows_stream(cells: Sequence[Cell], labels: Labels) -> list[Observed]:
    rows: list[Observed] = []
    current: Observed | None = None
    for c in cells:
        if c.text and not _is_value(c.text):
            m = match(labels, c.text)
            if m is not None:
                current = Observed(c, m[0], m[1])
                rows.append(current)
            elif label_key(c.text) in labels.groups:
                current = None
            continue
        if current is None:
            current = Observed(None, None, "order")
            rows.append(current)
        current.cells.append(c)
    return rows


def place_rows(observed: list[Observed], order: Sequence[str], fillable: frozenset[str]) -> list[str]:
    """Give each observed row a row id. Returns the problems found.

    Labelled rows with one candidate are anchors. A row whose label allows several rows takes the one
    that fits between its neighbouring anchors. Unlabelled rows fill the free slots between two anchors
    in template order, only when their number equals the number of free `fillable` slots.
    """
    problems: list[str] = []
    index = {rid: i for i, rid in enumerate(order)}
    rows = [o for o in observed if o.candidates is not None or o.has_numbers()]
    taken: set[str] = set()
    rows = [o for o in rows if o.cells]
    for o in rows:
        if o.candidates is not None and len(o.candidates) == 1:
            rid = next(iter(o.candidates))
            if rid in taken:
                if o.has_numbers():
                    o.duplicate = rid  # settled by settle_duplicates, once both are read
                continue
            o.row_id = rid
            taken.add(rid)
    for k, o in enumerate(rows):
        if o.row_id is None and o.candidates is not None and len(o.candidates) > 1:
            lo, hi = _bounds(rows, k, index, len(order))
            fits = [r for r in o.candidates if r in index and lo < index[r] < hi and r not in taken]
            if len(fits) == 1:
                o.row_id = fits[0]
                taken.add(fits[0])
            elif o.has_numbers():
                problems.append(f"a row labelled '{o.label.text if o.label else ''}' fits several rows: {sorted(fits)}")
    k = 0
    while k < len(rows):
        if rows[k].candidates is not None or rows[k].row_id is not None:
            k += 1
            continue
        run_end = k
        while run_end < len(rows) and rows[run_end].candidates is None and rows[run_end].row_id is None:
            run_end += 1
        lo, hi = _bounds(rows, k, index, len(order))
        free = [rid for rid in order[lo + 1 : hi] if rid not in taken and rid in fillable]
        run = [o for o in rows[k:run_end] if o.has_numbers()]
        if run and len(run) == len(free):
            for o, rid in zip(run, free, strict=True):
                o.row_id, o.quality = rid, "order"
                taken.add(rid)
        elif run:
            problems.append(f"{len(run)} row(s) without a label could not be placed ({len(free)} free slots)")
        k = run_end
    return problems


def _bounds(rows: list[Observed], k: int, index: dict[str, int], n: int) -> tuple[int, int]:
    lo = max((index[o.row_id] for o in rows[:k] if o.row_id in index), default=-1)
    hi = min((index[o.row_id] for o in rows[k + 1 :] if o.row_id in index), default=n)
    return lo, hi


# ---------------------------------------------------------------- cells to values
def cell_values(doc: NormalText, cells: Sequence[Cell], columns: Sequence[Column]) -> list[Value | None]:
    """The Value each cell holds in its column, or None where its text is not a number or a blank."""
    spans = doc.to_original.spans([(c.start, c.end) for c in cells])
    out: list[Value | None] = []
    for c, column, (s, e) in zip(cells, columns, spans, strict=True):
        text = c.text
        value: int | float | None
        status: Status
        if plain_count(text) and column.kind != "money":  # most cells: parse_cell's answer, without its cache
            value, status = int(text), "parsed"
        else:
            parsed = parse_cell(text, column.kind, column.unit)
            if parsed is None:
                out.append(None)
                continue
            # A type test: comparing a Number with the str "blank" costs a Python call.
            value, status = (None, "blank") if type(parsed) is str else (parsed.value, "parsed")  # type: ignore[union-attr]
        # The cell's text is exactly doc.text[start:end].
        out.append(Value(value, status, "table_cell", [Span(c.start, c.end, s, e, text)], 0.0, text))
    return out


def _opens_pipe_cell(text: str, at: int) -> bool:
    """The cell at `at` stands between pipes: only spaces back to a `|` on its line."""
    k = at - 1
    while k >= 0 and text[k] == " ":
        k -= 1
    return k >= 0 and text[k] == "|"


def _not_a_number(doc: NormalText, c: Cell) -> Value:
    v = Value(status="review", source="table_cell", raw=c.text, evidence=[span(doc, c.start, c.end)])
    v.review.append(f"cell '{c.text}' is not a number")
    return v


@cache
def _field_ids(prefix: str, columns: tuple[Column, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{col.id}" for col in columns)


def assign_row(
    doc: NormalText,
    reading: Reading,
    prefix: str,
    row: Observed,
    columns: Sequence[Column],
    *,
    explicit_blanks: bool,
    rules: Sequence[Identity] = (),
    ambiguous: list[Ambiguous] | None = None,
    collapsed: bool | None = None,
) -> None:
    """Put a placed row's cells into its columns, or report why they cannot be placed.

    `rules`: the identities within this row (R3); they decide how glued cells split, if at all.
    `ambiguous`: where a glued row that several cuts fit is kept, for the joint step of its table.
    `collapsed`: whether the page collapsed identical consecutive cells (glued.collapsing); moot
    where blanks are printed.
    """
    cells = list(row.cells)
    while len(cells) > len(columns) and not cells[-1].text:
        cells.pop()
    label = row.label.text if row.label else "(no label)"
    complete = len(cells) == len(columns) and (explicit_blanks or row.by_position or all(c.text for c in cells))
    if not complete:
        # Where blank cells may simply be unprinted (one cell per line), short rows are not glued
        # ones, unless the whole row is one run of digits.
        may_be_glued = explicit_blanks or len(cells) == 1
        fids = _field_ids(prefix, tuple(columns))
        # One cell per line: a number a page broke over two lines is two cells (a `|` row keeps its cells).
        groups = joins(cells, fids, rules) if len(cells) > len(columns) and not explicit_blanks else []
        cuts = [[_joined(g) for g in groups_] for groups_ in groups] or (
            splits(cells, fids, rules) if may_be_glued else []
        )
        if not cuts and len(cells) < len(columns):  # blanks dropped, or identical cells collapsed
            cuts = fills(cells, fids, rules, collapsed=False if explicit_blanks else collapsed)
        if len(cuts) == 1:
            _assign_split(doc, reading, fids, columns, cells, cuts[0], _names(rules), groups[0] if groups else None)
            return
        reason = f"row '{label}' has {len(cells)} cells for {len(columns)} columns; values not placed"
        if len(cuts) > 1:
            reason = _several(label, cuts, _names(rules), cells)
            if ambiguous is not None:
                ambiguous.append(Ambiguous(prefix, fids, cells, cuts, tuple(rules), label, reason, groups or None))
        reading.problems.append(reason)
        for col in columns:
            v = reading.values.setdefault(f"{prefix}.{col.id}", Value(status="missing"))
            v.review.append(reason)
            v.note = "cells: " + " | ".join(c.text for c in cells)
        return
    notes = [row.detached] if row.detached else []
    if row.quality == "order":
        notes.append("row has no label; placed by the official row order")
    elif row.quality == "fragment":
        notes.append(f"row label matched only loosely: '{label}'")
    sound = row.quality in ("exact", "prefix")
    values, sure = reading.values, reading.sound
    # One cell per column (an empty one printed as such) between the row's own label and the next:
    # where a page lost its line breaks, the count says these cells are this row's as well as a `|`
    # before the label would (a dropped blank or a stray number breaks the count, and the row then
    # waits for the identities) - unless labels were printed apart from their rows.
    bound = sound and not notes and not row.after_bare_label
    if row.label is not None and (_opens_pipe_cell(doc.text, row.label.start) or bound):
        reading.in_row.update(_field_ids(prefix, tuple(columns)))
    for c, fid, read in zip(cells, _field_ids(prefix, tuple(columns)), cell_values(doc, cells, columns), strict=True):
        v = _not_a_number(doc, c) if read is None else read
        if notes:
            v.review += notes
        values[fid] = v
        sure[fid] = sound


# ---------------------------------------------------------------- glued cells
def _names(rules: Sequence[Identity]) -> str:
    return ", ".join(r.id for r in rules)


def _several(label: str, cuts: list[list[Cell]], names: str, printed: Sequence[Cell] = ()) -> str:
    if printed and all(_placed(printed, cut) for cut in cuts):
        shown = "; ".join(" ".join(p.text or "_" for p in cut) for cut in cuts[:5])
        return f"row '{label}': {len(printed)} numbers for {len(cuts[0])} columns fit {names} {len(cuts)} ways: {shown}"
    shown = "; ".join(" ".join(p.text for p in cut) for cut in cuts[:5])
    return f"row '{label}': the glued cells split {len(cuts)} ways that fit {names}: {shown}"


def _placed(printed: Sequence[Cell], cut: Sequence[Cell]) -> bool:
    """`cut` is the printed cells themselves, placed (glued.fills), not pieces cut from them."""
    ids = {id(c) for c in printed}
    return all(id(c) in ids or not c.text for c in cut)


def _assign_split(
    doc: NormalText,
    reading: Reading,
    fids: Sequence[str],
    columns: Sequence[Column],
    printed: Sequence[Cell],
    split: list[Cell],
    names: str,
    groups: list[list[Cell]] | None = None,
    placed_by: str | None = None,
) -> None:
    """Read a row the identities cut (glued cells) or joined (`groups`: the printed cells each number
    is made of, a number broken over two lines) the one way they allow; `placed_by`: what on the
    page said where the empty cells between printed ones stood; only the start was the identities'."""
    shown = " | ".join(c.text for c in printed)
    if placed_by is not None:
        note = (
            f"cells {shown}: the empty cells between them placed by {placed_by}; "
            f"where the row begins, only {names} allows"
        )
    elif groups is not None:
        note = f"cells {shown}: numbers broken over two lines joined the only way {names} allows"
    elif _placed(printed, split):
        note = (
            f"cells {shown}: {len(printed)} numbers for {len(split)} columns; every placement {names} "
            "allows (blanks dropped, identical cells collapsed) gives these values"
        )
    else:
        note = f"glued cells {shown} split the only way {names} allows"
    for k, (fid, v) in enumerate(zip(fids, cell_values(doc, split, columns), strict=True)):
        assert v is not None  # every piece is digits, or an empty cell where a blank was dropped
        v.status, v.note = ("blank" if v.value is None else "derived"), note
        if groups is not None and len(groups[k]) > 1:  # the evidence is each printed piece
            v.evidence = [span(doc, c.start, c.end) for c in groups[k]]
            v.raw = " ".join(c.text for c in groups[k])
        reading.values[fid] = v
        reading.sound[fid] = True


def _joined(cells: list[Cell]) -> Cell:
    """The cells of one number broken over lines, as one cell (its span covers the break)."""
    return Cell("".join(c.text for c in cells), cells[0].start, cells[-1].end, cells[0].line)


@cache
def row_rules(fmt: Format, prefix: str) -> tuple[Identity, ...]:
    """The identities whose cells all lie in one row (R3 for 表三's rows)."""
    if fmt not in ("2019", "2021"):
        return ()
    return tuple(r for r in identities(fmt) if all(c.startswith(prefix + ".") for c in r.cells))


# ---------------------------------------------------------------- the three tables
@cache
def _app_labels(fmt: Format) -> Labels:
    lay = layout()
    return Labels(
        rows=lay.app_rows_for(fmt),
        columns=frozenset(label_key(c.label) for c in lay.app_columns)
        | frozenset(label_key(c.label) for c in lay.dispute_columns),
        groups=frozenset(label_key(g) for g in lay.app_group_labels)
        | frozenset(label_key(h) for h in lay.app_header_labels),
    )


def read_applications(doc: NormalText, start: int, end: int, fmt: Format) -> tuple[Reading, Style]:
    lay = layout()
    style, cells = tokenize(doc.text, start, end)
    labels = _app_labels(fmt)
    observed = observe_rows(cells, style, labels)
    order = [r.id for r in labels.rows]
    # In 2021 （六）其他处理 is a group label: no unlabelled row can be it.
    fillable = frozenset(order) - ({"other_total"} if fmt == "2021" else set())
    reading = Reading()
    reading.problems += place_rows(observed, order, fillable)
    if style == "bordered":
        _confirm_by_printed_labels(cells, observed, labels)
    if style == "lines":
        placed = [o for o in observed if o.row_id and not (fmt == "2021" and o.row_id == "other_total")]
        _place_by_position(doc, placed, len(lay.app_columns))
    ambiguous: list[Ambiguous] = []
    n = len(lay.app_columns)  # the page is asked how it was copied only when a row is short
    collapsed = collapsing(doc.text) if style == "lines" and any(len(o.cells) < n for o in observed) else False
    for o in observed:
        if o.row_id is None or (not o.cells and o.row_id == "other_total"):
            continue
        prefix = f"applications.{o.row_id}"
        rules = row_rules(fmt, prefix)
        assign_row(
            doc,
            reading,
            prefix,
            o,
            lay.app_columns,
            explicit_blanks=style != "lines",
            rules=rules,
            ambiguous=ambiguous,
            collapsed=collapsed,
        )
    if ambiguous:
        _settle_glued(doc, reading, ambiguous, lay.app_columns, identities(fmt))
    for o in observed:
        if o.duplicate is not None:
            prefix = f"applications.{o.duplicate}"
            rules = row_rules(fmt, prefix)
            again = Reading()
            assign_row(
                doc,
                again,
                prefix,
                o,
                lay.app_columns,
                explicit_blanks=style != "lines",
                rules=rules,
                collapsed=collapsed,
            )
            settle_duplicate(reading, again, prefix, o, rules)
    return reading, style


def _confirm_by_printed_labels(cells: Sequence[Cell], observed: list[Observed], labels: Labels) -> None:
    """A PDF conversion often prints a table's label column apart from its numbers: lines holding only a
    label, and `|` rows of numbers with no label, which place_rows puts in the official order. When
    the labels printed alone (those of no labelled row) name, in the order they are printed, exactly the
    rows those unlabelled rows were placed in, the page itself says so: the placement is no longer a
    guess."""
    unlabelled = [o for o in observed if o.quality == "order" and o.row_id is not None]
    if not unlabelled:
        return
    labelled = {o.row_id for o in observed if o.quality != "order" and o.row_id is not None}
    printed: list[str] = []
    for c in cells:
        if not c.loose or not c.text or _is_value(c.text):
            continue
        m = match(labels, c.text)
        if m is not None and m[1] in ("exact", "prefix") and len(m[0]) == 1 and not m[0] & labelled:
            printed.append(next(iter(m[0])))  # a label no row of numbers carries itself
    if printed == [o.row_id for o in unlabelled]:
        for o in unlabelled:
            o.quality = "exact"


def _place_by_position(doc: NormalText, rows: list[Observed], n: int) -> None:
    """Fixed-width text: a row printing fewer numbers than columns gets its blanks back where the
    rows that print every cell say its numbers stand (rules.positions)."""
    short = [o for o in rows if len(o.cells) < n and all(c.text and _is_value(c.text) for c in o.cells)]
    if not short:
        return
    found = {id(o): e for o in rows if (e := positions.edges(doc, o.cells)) is not None}
    complete = [e for o in rows if len(o.cells) == n and (e := found.get(id(o))) is not None]
    learned = positions.anchors(complete, n) or positions.clustered(list(found.values()), n)
    if learned is None:
        return
    edge, columns = learned
    for o in short:
        if not o.cells:  # a row label with no number after it: every cell left empty
            at = o.label.end if o.label is not None else 0
            o.cells, o.by_position = [Cell("", at, at, 0) for _ in range(n)], True
            continue
        row = found.get(id(o))
        where = positions.place(row, edge, columns) if row is not None else None
        if where is not None:
            o.cells, o.by_position = positions.with_blanks(o.cells, where, n), True


def _settle_glued(
    doc: NormalText, reading: Reading, rows: list[Ambiguous], columns: Sequence[Column], rules: Sequence[Identity]
) -> None:
    """The glued rows several cuts fit, settled together by the identities across rows (R1, R2)."""
    mine = {f for r in rows for f in r.fids}
    known = {
        fid: v.value
        for fid, v in reading.values.items()
        if fid not in mine and isinstance(v.value, int | float) and not isinstance(v.value, bool)
    }
    hard = [r for r in rules if not r.soft and all(c.startswith("applications.") for c in r.cells)]
    for row, left in zip(rows, settle_jointly(rows, known, hard), strict=True):
        agreed = _read_agreed_cells(doc, reading, row, left, columns) if len(left) > 1 else set()
        if len(left) == len(row.splits):
            continue
        if len(left) == 1:
            joint = ", ".join(sorted({r.id.split("[")[0] for r in hard if set(r.cells) & set(row.fids)}))
            group = row.groups[row.splits.index(left[0])] if row.groups else None
            _assign_split(
                doc, reading, row.fids, columns, row.printed, left[0], f"{_names(row.rules)} with {joint}", group
            )
            reading.problems.remove(row.reason)
            continue
        why = (
            _several(row.label, left, "every identity of the table", row.printed)
            if left
            else f"row '{row.label}': no cut of the glued cells fits every identity of the table with the other rows"
        )
        for fid in row.fids:
            if fid not in agreed:
                reading.values[fid].review.append(why)


def _read_agreed_cells(
    doc: NormalText, reading: Reading, row: Ambiguous, readings: list[list[Cell]], columns: Sequence[Column]
) -> set[str]:
    """A row several readings fit still says some cells for sure: a printed cell that stands in the
    same column in every reading the identities allow is read there (the others stay in review)."""
    read: set[str] = set()
    if row.groups:
        return read  # numbers joined across lines: a piece's column is not the number's
    note = (
        f"cells {' | '.join(c.text for c in row.printed)}: every reading of the row the identities allow "
        "puts this cell in this column"
    )
    for k, (fid, column) in enumerate(zip(row.fids, columns, strict=True)):
        first = readings[0][k]
        if not first.text or any(r[k].text != first.text or r[k].start != first.start for r in readings):
            continue
        (v,) = cell_values(doc, [first], [column])
        if v is None:
            continue
        v.status, v.note = "derived", note  # printed, but its column is the identities' choice
        reading.values[fid] = v
        reading.sound[fid] = True
        read.add(fid)
    return read


def settle_duplicate(reading: Reading, again: Reading, prefix: str, row: Observed, rules: Sequence[Identity]) -> None:
    """A row label printed twice with numbers (a header row repeating the label, a table printed twice).

    The same numbers twice settle nothing. Otherwise the row's own identity (R3) decides when it holds
    on exactly one of the readings; if it cannot, every cell of the row goes to review with both.
    """
    fids = [fid for fid in reading.values if fid.startswith(prefix + ".")] or list(again.values)
    first = {fid: reading.values[fid].value for fid in fids if fid in reading.values}
    second = {fid: again.values[fid].value for fid in fids if fid in again.values}
    if first == second:
        return
    held = [holds_all(rules, first), holds_all(rules, second)] if rules else [False, False]
    label = row.label.text if row.label else prefix
    if held == [False, True]:
        reading.values.update({fid: again.values[fid] for fid in again.values})
        reading.sound.update({fid: again.sound.get(fid, False) for fid in again.values})
        note = f"row '{label}' is printed twice; the reading whose own total holds was kept"
        for fid in again.values:
            reading.values[fid].note = note
        reading.problems.append(note)
        return
    if held == [True, False]:
        reading.problems.append(f"row '{label}' is printed twice; the reading whose own total holds was kept")
        return
    shown = " | ".join(str(second.get(fid)) for fid in fids)
    why = f"row '{label}' is printed twice with other numbers ({shown}); which one is the row's cannot be told"
    reading.problems.append(why)
    for fid in fids:
        v = reading.values.get(fid)
        if v is not None:
            v.review.append(why)


def holds_all(rules: Sequence[Identity], values: Mapping[str, object]) -> bool:
    """Every identity in `rules` holds on `values` (an identity with an unknown cell does not)."""
    return all(holds(r, values) for r in rules)


@cache
def _active_labels(fmt: Format) -> Labels:
    lay = layout()
    return Labels(
        rows=tuple(r for block in lay.active[fmt] for r in block.rows),
        columns=frozenset(label_key(c.label) for b in lay.active[fmt] for c in b.columns) | {"信息内容"},
        groups=frozenset(label_key(b.caption) for b in lay.active[fmt]),
    )


def read_active(doc: NormalText, start: int, end: int, fmt: Format) -> Reading:
    lay = layout()
    style, cells = tokenize(doc.text, start, end)
    rows = lay.active_rows(fmt)
    observed = observe_rows(cells, style, _active_labels(fmt))
    reading = Reading()
    reading.problems += place_rows(observed, list(rows), frozenset())
    if style == "bordered":
        place_detached(cells, observed, {r: b for r, (_, b) in rows.items()}, lay.active[fmt])
    for o in observed:
        if o.row_id is None:
            continue
        _, block = rows[o.row_id]
        assign_row(doc, reading, f"active.{o.row_id}", o, block.columns, explicit_blanks=style != "lines")
    for o in observed:
        if o.duplicate is not None:
            _, block = rows[o.duplicate]
            again = Reading()
            assign_row(doc, again, f"active.{o.duplicate}", o, block.columns, explicit_blanks=style != "lines")
            settle_duplicate(reading, again, f"active.{o.duplicate}", o, ())
    return reading


@dataclass
class Detached:
    """A value printed outside its table row, with the note printed beside it."""

    cell: Cell
    note: str


def place_detached(cells: Sequence[Cell], observed: list[Observed], block_of: dict, blocks: Sequence[Block]) -> None:
    """Put back cells a PDF conversion pulled out of their rows ("22" ⏎ "（其中修订16件）" under a caption).

    Only when a block has exactly as many detached values as rows missing one cell, taken in order,
    and each value's note names exactly one column of the block. The values go to review.
    """
    captions = {label_key(b.caption): b for b in blocks}
    found: dict[str, list[Detached]] = {}
    current: Block | None = None
    for i, c in enumerate(cells):
        if not c.loose:
            continue
        if label_key(c.text) in captions:
            current = captions[label_key(c.text)]
        elif current is not None and isinstance(parse_cell(c.text), Number):
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            note = nxt.text if nxt is not None and nxt.loose and nxt.text.startswith("(") else ""
            found.setdefault(current.caption, []).append(Detached(c, note))
    for block in blocks:
        detached = found.get(block.caption, [])
        short = [
            o
            for o in observed
            if o.row_id in block_of and block_of[o.row_id] is block and len(o.cells) == len(block.columns) - 1
        ]
        if not detached or len(detached) != len(short):
            continue
        for o, d in zip(short, detached, strict=True):
            cols = [k for k, col in enumerate(block.columns) if any(w in d.note for w in col.note_words)]
            if len(cols) != 1:
                continue
            o.cells.insert(cols[0], d.cell)
            column = block.columns[cols[0]].label
            o.detached = f"cell '{d.cell.text}{d.note}' printed outside its row; column {column} read from its note"


def read_disputes(doc: NormalText, start: int, end: int) -> Reading:
    """表四: 15 numbers in the fixed order 复议 ×5, 直接起诉 ×5, 复议后起诉 ×5 (report-format.md §3.3)."""
    lay = layout()
    style, cells = tokenize(doc.text, start, end)
    reading = Reading()
    printed = _printed_run(cells, style)
    columns = [col for _ in lay.dispute_groups for col in lay.dispute_columns]
    fids = [f"disputes.{group.id}.{col.id}" for group in lay.dispute_groups for col in lay.dispute_columns]
    if printed is None or len(printed) != 15:
        numbers = [c for c in cells if isinstance(parse_cell(c.text), Number) and not c.header]
        rules = row_rules("2021", "disputes")  # R4: the same in both formats
        cuts, placed_by = splits(numbers, fids, rules), None
        if not cuts:
            blocks, spacing = _spaced_blocks(doc, start, style, numbers, printed, len(fids))
            placed_by = spacing if blocks and (cuts := shifts(blocks, fids, rules)) else None
        cuts = cuts or fills(numbers, fids, rules, collapsed=collapsing(doc.text) if style == "lines" else False)
        if len(cuts) == 1:
            _assign_split(doc, reading, fids, columns, numbers, cuts[0], _names(rules), placed_by=placed_by)
        elif numbers:
            why = (
                _several("表四", cuts, _names(rules), numbers)
                if cuts
                else f"表四: found {len(numbers)} numbers, not the 15 cells of the official row"
            )
            reading.problems.append(why)
            if cuts:  # what every reading agrees on is read; the rest waits with the readings
                row = Ambiguous("disputes", tuple(fids), numbers, cuts, rules, "表四", why)
                agreed = _read_agreed_cells(doc, reading, row, cuts, columns)
                for fid in fids:
                    if fid not in agreed:
                        reading.values[fid] = Value(status="missing", review=[why])
        return reading
    for c, fid, v in zip(printed, fids, cell_values(doc, printed, columns), strict=True):
        reading.values[fid] = _not_a_number(doc, c) if v is None else v
        reading.sound[fid] = True
    return reading


def _spaced_blocks(
    doc: NormalText, start: int, style: Style, numbers: Sequence[Cell], printed: list[Cell] | None, n: int
) -> tuple[list[list[Cell]], str]:
    """表四's numbers with the empty cells the page's spacing shows between them, and what showed them:
    blank lines (one cell per line), spaces (fixed width), or pipes (a page that lost its line breaks
    glued the row's first cell, an empty one, to the heading: fewer than 15 cells, blanks printed)."""
    if blocks := _blank_line_blocks(doc, start, numbers, n):
        return blocks, "the blank lines that stand for them"
    if blocks := _position_blocks(doc, numbers):
        return blocks, "the spaces where they stand (fixed-width columns)"
    if printed and doc.restored_lines and style in ("bordered", "open"):
        return [printed], "the pipes, which print them"
    return [], ""


_GAP_CONTEXT = 20_000  # characters before 表四 in which the cells' blank-line spacing is learned


def _blank_line_blocks(doc: NormalText, start: int, numbers: Sequence[Cell], n: int) -> list[list[Cell]]:
    """表四's printed numbers with the empty cells between them that blank lines show (one block, or
    none): in one cell per line text whose cells stand a fixed number of blank lines apart (learned
    from the table before 表四), an empty cell is a blank line of its own plus that gap. The blank
    lines before the first number count the empty cells that lead the row the same way (the line
    before stands apart by the gap, or by none, as a heading may): then where the row begins is
    known too, and the block is all `n` cells. No block when the spacing is not that rule, or
    nothing shows that empty cells leave lines at all."""
    if len(numbers) < 2:
        return []
    context = doc.text[max(0, start - _GAP_CONTEXT) : start]
    gap = separator_gap(context)
    counts = None if gap is None else empties_between(doc.text, numbers, gap)
    if gap is None or counts is None:
        return []
    lead = _leading_blank_cells(doc.text, numbers[0], gap)
    if not any(counts) and not lead:
        return []  # (no empty cell shown: the blank lines say nothing a placement would not)
    block = _with_empties(numbers, counts)
    if lead is None or lead + len(block) > n:
        return [block]
    head, tail = (
        Cell("", block[0].start, block[0].start, block[0].line),
        Cell("", block[-1].end, block[-1].end, block[-1].line),
    )
    return [[head] * lead + block + [tail] * (n - lead - len(block))]


def _leading_blank_cells(text: str, first: Cell, gap: int) -> int | None:
    """The empty cells before `first` that the blank lines above it show: runs of a blank line and the
    gap after the line before, which stands `gap` blank lines above or none. None when the run fits
    neither."""
    before = text[: first.start]
    run = before[len(before.rstrip()) :].count("\n") - 1  # blank lines between the two
    if run < 0 or run % (gap + 1) not in (0, gap):
        return None
    return run // (gap + 1)


def _position_blocks(doc: NormalText, numbers: Sequence[Cell]) -> list[list[Cell]]:
    """表四's printed numbers on one fixed-width line with the empty cells between them that their
    spacing shows, one block per column pitch the spacing allows (rules.positions)."""
    row = positions.edges(doc, numbers)
    readings = [] if row is None else positions.empties_by_pitch(row)
    if not any(any(counts) for counts in readings):
        return []  # no empty cell between them: the spaces say nothing a placement would not
    return [_with_empties(numbers, counts) for counts in readings]


def _with_empties(numbers: Sequence[Cell], counts: Sequence[int]) -> list[Cell]:
    """`numbers` with counts[k] empty cells between numbers[k] and numbers[k + 1]."""
    block = [numbers[0]]
    for cell, k in zip(numbers[1:], counts, strict=True):
        block += [Cell("", block[-1].end, block[-1].end, block[-1].line) for _ in range(k)] + [cell]
    return block


def _printed_run(cells: Sequence[Cell], style: Style) -> list[Cell] | None:
    """表四's data cells as printed, values and blanks, up to 15 of them; None when there is no number
    or the column headers stand in another order than the official one."""
    first = next((c.line for c in cells if isinstance(parse_cell(c.text), Number) and not c.loose), None)
    if first is None:
        return None
    tail = [c for c in cells if c.line >= first and not c.header and not c.loose]
    run: list[Cell] = []
    columns = list(_dispute_keys()[0])
    seen: list[str] = []
    for c in tail:
        if c.text and parse_cell(c.text) is None:
            key = _dispute_heading(c.text)
            if key is not None:  # a group's own header row, as in 表四 printed as three small tables
                seen += [key] if key in columns else []
                continue
            if style not in ("lines", "spaced"):
                break
            continue  # one cell per line: a stray heading line between groups
        if style == "lines" and not c.text:
            continue
        run.append(c)
        if len(run) == 15:
            break
    if any(seen[k : k + 5] != columns for k in range(0, len(seen), 5)):
        return None  # column headers in another order than the official one: position says nothing
    lead = _leading_empties(cells, first) if len(run) < 15 and style != "lines" else []
    if len(lead) + len(run) == 15:
        return lead + run  # empty cells printed before the first number and after the last one
    while run and len(run) < 15 and not run[-1].text:
        run.pop()
    return lead + run


def _leading_empties(cells: Sequence[Cell], first: int) -> list[Cell]:
    """The empty cells on the lines just before 表四's first number that hold nothing else: leading
    blanks of the row (`` | `` lines under the heading in one cell per line text). A header line's
    padding cells share their line with its words and are not among them."""
    before = [c for c in cells if c.line < first and not c.loose]
    text_lines = {c.line for c in before if c.text}
    k = len(before)
    while k and before[k - 1].line not in text_lines:
        k -= 1
    return before[k:]


@cache
def _dispute_keys() -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """Label keys of 表四: its columns, its columns and groups, the headings over them."""
    lay = layout()
    columns = tuple(label_key(c.label) for c in lay.dispute_columns)
    labelled = columns + tuple(label_key(g.label) for g in lay.dispute_groups)
    return columns, labelled, frozenset(label_key(h) for h in lay.dispute_headings)


def _dispute_heading(text: str) -> str | None:
    """The label key of a 表四 header cell (a group, a column or a heading over them), else None."""
    _, labelled, headings = _dispute_keys()
    key = label_key(text)
    if not key:
        return None
    return next((label for label in labelled if label in key), key if key in headings else None)
