"""The statistics table a pre-2019 report appends (spec §5), read as a table, not left to the prose.

`指标名称 | 计量单位 | 本年 | 历年累计` (2008–2013, local) or `统计指标 | 单位 | 统计数` (the national
table, about 2015–2018). A row whose label is one of the legacy facts' labels (labels.toml
[legacy_table]) gives that fact: this year's figure, from the column a header row names as this
year's, else the first number after the label. The unit cell says what the figure counts; a fee in
万元 is turned into 元 (the schema's unit), its raw text kept.

Rows are `|` rows (HTML, PDF and Word tables as the loaders write them) or lines whose cells stand
apart by a tab (a spreadsheet's text export). Columns aligned by spaces are not read here: the
normaliser has joined them by then (issue 17's absolute grid is where they belong).
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from extractor.core import confidence as tier
from extractor.core.layout import layout
from extractor.core.normalize import NormalText
from extractor.core.reading import Reading, span
from extractor.core.schema import Value

FIELD = "narrative."
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．]|其中[:：])+"
)
_BRACKETED_UNIT = re.compile(r"[(（][^()（）]{1,6}[)）]$")
_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")
_SEPARATOR = re.compile(r"\t|\s{2,}")


def read_legacy_table(doc: NormalText) -> Reading:
    """The legacy facts a statistics table prints, each with the cell as its evidence."""
    reading = Reading()
    column: int | None = None  # this year's column, once a header row has named it
    rows = _rows(doc.text)
    coded = _coded(rows)
    for start, cells in rows:
        texts = [t for t, _, _ in cells]
        if (named := _value_column(texts)) is not None:
            column = named
            continue
        label = next((t for t in texts if t), "")
        fact = _fact(label) if label else None
        if fact is None or FIELD + fact in reading.values:
            continue  # a table printed twice keeps its first reading; the prose check still compares
        found = _figure(cells, column, coded)
        if found is None:
            continue
        text, a, b = found
        unit = next((t for t in texts[1:] if t in layout().legacy_units), None)
        value = _value(text, fact, unit)
        if value is None:
            continue
        ev = span(doc, start + a, start + b)
        reading.values[FIELD + fact] = Value(
            value=value, status="parsed", source="table_cell", evidence=[ev], confidence=tier.CELL_UNCHECKED,
            raw=text + (unit or ""), note="read from the report's statistics table (统计表)",
        )  # fmt: skip
        reading.sound[FIELD + fact] = True
    return reading


def _rows(text: str) -> list[tuple[int, list[tuple[str, int, int]]]]:
    """Each table-like line: its start offset and its cells (text, start and end within the line)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if line.count("|") >= 2 or _SEPARATOR.search(line.strip()):
            cells = _cells(line)
            if len(cells) >= 2:
                out.append((pos, cells))
        pos += len(line) + 1
    return out


def _cells(line: str) -> list[tuple[str, int, int]]:
    """A `|` row keeps its empty cells (they hold a column's place); other rows are split on gaps."""
    if "|" in line:
        pieces, at = [], 0
        for part in line.split("|"):
            pieces.append((part, at))
            at += len(part) + 1
        if line.strip().startswith("|"):
            pieces = pieces[1:]  # what stands before the first pipe is outside the row
        if line.strip().endswith("|"):
            pieces = pieces[:-1]
    else:
        pieces, at = [], 0
        for m in [*_SEPARATOR.finditer(line), None]:
            end = m.start() if m else len(line)
            if line[at:end].strip():
                pieces.append((line[at:end], at))
            at = m.end() if m else len(line)
    out = []
    for raw, at in pieces:
        lead = len(raw) - len(raw.lstrip())
        out.append((raw.strip(), at + lead, at + lead + len(raw.strip())))
    return out


def _value_column(texts: list[str]) -> int | None:
    """In a header row, the index (among the row's cells) of this year's figure."""
    lay = layout()
    names = [t.replace(" ", "") for t in texts]
    if not any(n in ("计量单位", "单位") for n in names):
        return None
    return next((k for k, n in enumerate(names) if n in lay.legacy_value_columns), None)


def _fact(label: str) -> str | None:
    key = _BRACKETED_UNIT.sub("", _NUMBERING.sub("", label.replace(" ", "")))
    return next((fact for fact, labels in layout().legacy_rows.items() if key in labels), None)


def _figure(cells: list[tuple[str, int, int]], column: int | None, coded: bool = False) -> tuple[str, int, int] | None:
    """This year's figure: the named column's cell, or the first number after the label (a running
    total, in a column after it, is never taken first; nor a row code, in a table that has them)."""
    if column is not None and column < len(cells) and _NUMBER.match(cells[column][0].replace(" ", "")):
        return cells[column]
    numbers = _numbers_after_label(cells)[1 if coded else 0 :]
    return numbers[0] if numbers else None


def _numbers_after_label(cells: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    first = next(k for k, c in enumerate(cells) if c[0])
    return [c for c in cells[first + 1 :] if _NUMBER.match(c[0].replace(" ", ""))]


_CODE = re.compile(r"^\d{2}$")


def _coded(rows: list[tuple[int, list[tuple[str, int, int]]]]) -> bool:
    """The statistics form's row codes (代码 01, 02 …, as the forms of 2008–2013 print them) stand
    before this year's figure: a table whose rows' first numbers are two-digit codes that rise row by
    row, starting below 10 (01, 03, 10, 11 …), has them, header or not."""
    firsts = []
    for _, cells in rows:
        numbers = _numbers_after_label(cells) if any(c[0] for c in cells) else []
        if len(numbers) >= 2 and _CODE.match(numbers[0][0]):
            firsts.append(int(numbers[0][0]))
    return len(firsts) >= 3 and firsts[0] < 10 and all(a < b for a, b in itertools.pairwise(firsts))


def _value(text: str, fact: str, unit: str | None) -> int | float | None:
    amount = Decimal(text.replace(",", ""))
    if fact == "fee_amount":  # the schema's fee is in 元
        amount *= 10_000 if unit == "万元" else 1
        return int(amount) if amount == amount.to_integral_value() else float(amount)
    if unit not in (None, "件", "条", "个", "次", "项") or amount != amount.to_integral_value():
        return None  # a count in a unit that is not one (人, 元), or not whole: not this fact
    return int(amount)
