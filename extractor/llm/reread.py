"""The model stage for tables: rows the rules could not read with certainty are re-read by the model
as a labelled grid, and the re-read counts only if the text and the arithmetic bear it out.

- Asked only for the rows in doubt (`rows_in_doubt`): rows placed by order because their label was
  lost, labels matched loosely, rows whose cells did not line up with the columns, cells that are not
  numbers, rows not found at all. A well-formed table costs no call.
- The model reads the table's own cells (section 三 or 四, cut by extractor.rules.cells, one `a|b|c` line per
  physical line) and answers, for each asked row, its numbers in the official column order
  (`grid_model`).
- The validator checks every answer: one entry per column; every number a number cell of the
  table (extractor.core.numbers, so a row's own numbering "5." is not one); every identity (R1–R4) that
  the re-read rows make assessable, with the rules' sure cells for the others, holds. A failure is
  re-asked with the errors (instructor), within the report's token budget.
- Merging (`merge_grid`): where an accepted re-read agrees with the rules, the parse doubt is
  lifted; where it fills a cell the rules could not read, its value is kept with the printed cell as
  evidence (the reconciler sends it to review unless an identity confirms it); where it disagrees,
  the rules' value stays and both readings go to review. A re-read that fails leaves the rules'
  values in review, with the model's rejected reading beside them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationInfo, create_model, model_validator

from extractor.core import confidence as tier
from extractor.core.arithmetic import holds, side_sum
from extractor.core.layout import Column, layout
from extractor.core.normalize import NormalText
from extractor.core.numbers import Number, parse_cell
from extractor.core.reading import Reading, span
from extractor.core.schema import Format, Identity, Usage, Value, identities
from extractor.llm.client import Answer, Failure, ModelClient
from extractor.llm.narrative import MAX_PASSAGE, Passage, blank_as_none
from extractor.llm.prompting import lean_schema, load_prompt, schema_hash
from extractor.rules.cells import Cell, tokenize
from extractor.rules.tables import row_rules

PARTS = ("applications", "disputes")  # the tables with identities; 表二 has none to check a re-read by


@dataclass(frozen=True)
class GridSpec:
    """One table as the model sees it: its rows (id, label to show) and columns, in official order."""

    part: str
    rows: tuple[tuple[str, str], ...]
    columns: tuple[Column, ...]


@cache
def grid_spec(part: str, fmt: Format) -> GridSpec:
    lay = layout()
    if part == "disputes":
        return GridSpec(part, tuple((g.id, g.label) for g in lay.dispute_groups), lay.dispute_columns)
    # In 2021 （六）其他处理 is a group label whose values are its three rows' sum: never asked.
    rows = tuple(
        (r.id, f"{r.group} {r.label}" if r.group else r.label)
        for r in lay.app_rows_for(fmt)
        if not (fmt == "2021" and r.id == "other_total")
    )
    return GridSpec(part, rows, lay.app_columns)


def rows_in_doubt(part: str, fmt: Format, values: dict[str, Value], sound: dict[str, bool]) -> tuple[str, ...]:
    """The rows of table `part` the rules did not read with certainty (none if the table was not read)."""
    spec = grid_spec(part, fmt)
    prefix = f"{part}."
    if not any(fid.startswith(prefix) for fid in values):
        return ()  # no table to re-read: that is a missing table, not a malformed one
    doubtful = []
    for row, _ in spec.rows:
        fids = [f"{prefix}{row}.{c.id}" for c in spec.columns]
        if any(_in_doubt(values.get(fid), sound.get(fid, False)) for fid in fids) or _row_fails(
            row_rules(fmt, f"{prefix}{row}"), values
        ):
            doubtful.append(row)
    return tuple(doubtful)


def _row_fails(rules: tuple[Identity, ...], values: dict[str, Value]) -> bool:
    """Does a row's own identity (R3: 总计 = the parts) fail on the rules' reading? The numbers may
    be the source's, or cells shifted by the parse (a lost cell and a blank one look alike): the
    re-read tells them apart, and the reconciler flags the failure either way."""
    numbers = {c: v.value for r in rules for c in r.cells if (v := values.get(c)) and isinstance(v.value, int | float)}
    return any(holds(rule, numbers) is False for rule in rules)


def _in_doubt(v: Value | None, sound: bool) -> bool:
    if v is None or v.status in ("missing", "review") or v.review:
        return True
    return not sound


# ---------------------------------------------------------------- the response type
Entry = Annotated[int | None, BeforeValidator(blank_as_none)]  # one cell of an answer


class _Grid(BaseModel):
    """Rows of numbers, one list per asked row, in the official column order (see `grid_model`)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return lean_schema(super().model_json_schema(*args, **kwargs))

    @model_validator(mode="after")
    def grounded(self, info: ValidationInfo) -> _Grid:
        context = info.context or {}
        if "table" not in context:
            return self
        problems = assess(self.rows(), context["table"])
        if problems:
            raise ValueError("; ".join(problems[:8]))
        return self

    def rows(self) -> dict[str, list[int | None]]:
        return {name: getattr(self, name) for name in type(self).model_fields}


@cache
def grid_model(rows: tuple[str, ...]) -> type[_Grid]:
    """The response type for `rows`: each a list of numbers (null for a blank cell)."""
    fields: dict[str, Any] = {row: (list[Entry], ...) for row in rows}
    return create_model("TableRows", __base__=_Grid, **fields)


@dataclass
class TableContext:
    """What a re-read is checked against: the table's text, its layout and the rules' sure cells."""

    spec: GridSpec
    tokens: frozenset[int]  # every number printed in the table's text
    known: dict[str, int | float]  # cells outside the asked rows that the rules read soundly
    rules: tuple[Identity, ...]  # the identities within this table


def assess(rows: dict[str, list[int | None]], ctx: TableContext) -> list[str]:
    """Why a re-read cannot be accepted (empty: it can)."""
    columns = ctx.spec.columns
    problems: list[str] = []
    for row, cells in rows.items():
        if len(cells) != len(columns):
            names = "、".join(c.label for c in columns)
            problems.append(f"{row} has {len(cells)} numbers; give exactly {len(columns)} ({names}), null for a blank")
        problems += [
            f"{row}: {x} is not a number printed in the table" for x in cells if x is not None and x not in ctx.tokens
        ]
    if problems:
        return problems
    read = {
        f"{ctx.spec.part}.{row}.{col.id}": x
        for row, cells in rows.items()
        for col, x in zip(columns, cells, strict=True)
        if x is not None
    }
    values = {**ctx.known, **read}
    for rule in ctx.rules:
        if rule.cell_set & read.keys() and holds(rule, values) is False:  # about the re-read, and broken
            lhs, rhs = side_sum(values, rule.lhs), side_sum(values, rule.rhs)
            problems.append(f"{rule.id} does not hold: {lhs:g} ≠ {rhs:g}")
    return problems


# ---------------------------------------------------------------- asking
@dataclass
class GridReading:
    """What the model's re-read of one table adds to the report."""

    spec: GridSpec
    rows: tuple[str, ...]
    grid: dict[str, list[int | None]] | None  # the accepted re-read (None: none)
    rejected: dict[str, list[Any]] | None  # the last answer that failed validation, for review
    failure: str | None  # why no answer was accepted
    params: dict[str, Any]
    table: TableText
    problems: list[str]


@dataclass
class TableText:
    """A table as the model reads it, and the numbers printed in it."""

    passage: Passage
    numbers: list[tuple[int | float, Cell]]  # every cell that is a number, in reading order


def table_text(doc: NormalText, start: int, end: int) -> TableText:
    """The table's cells (extractor.rules.cells, whatever the flattening), one `a|b|c` line per physical
    line: Markdown rule lines and the padding around pipes say nothing, and were a quarter of the
    tokens. Blank cells are kept: a blank cell is a column too."""
    _, cells = tokenize(doc.text, start, end)
    parts: list[str] = []
    pieces: list[tuple[int, int]] = []
    numbers: list[tuple[int | float, Cell]] = []
    size = 0
    for k, c in enumerate(cells):
        if k:
            parts.append("\n" if c.line != cells[k - 1].line else "|")
            size += 1
        pieces.append((size, c.start))
        parts.append(c.text)
        size += len(c.text)
        if isinstance(parsed := parse_cell(c.text), Number):
            numbers.append((parsed.value, c))
    return TableText(Passage("".join(parts), pieces), numbers)


def read_table(
    client: ModelClient,
    doc: NormalText,
    region: tuple[int, int],
    part: str,
    fmt: Format,
    rows: tuple[str, ...],
    values: dict[str, Value],
    sound: dict[str, bool],
    usage: Usage,
    deadline: float,
) -> GridReading:
    """Ask the model to re-read `rows` of table `part`, printed in `region` of the text."""
    spec = grid_spec(part, fmt)
    table = table_text(doc, *region)
    passage = table.passage
    reading = GridReading(spec, rows, None, None, None, {}, table, [])
    if len(passage.text) > MAX_PASSAGE:
        reading.problems.append(f"the {part} table is too long ({len(passage.text)} characters) to send to the model")
        return reading
    usage.asked += [f"{part}.{row}" for row in rows]
    ctx = _context(spec, table, fmt, rows, values, sound)
    prompt = load_prompt("table")
    model = grid_model(rows)
    labels = dict(spec.rows)
    messages = prompt.messages(
        table=prompt.items[part],
        passage=passage.text,
        ncolumns=str(len(spec.columns)),
        columns="、".join(c.label for c in spec.columns),
        identities=prompt.items[f"{part}.identities"],
        items="\n".join(f"- {row}：{labels[row]}" for row in rows),
        schema=_example(rows, spec.columns),
    )
    answer = client.ask(
        model,
        messages,
        prompt_hash=prompt.hash,
        schema_hash=schema_hash(model),
        context={"table": ctx},
        usage=usage,
        deadline=deadline,
    )
    reading.params = {**client.config.params(), "prompt_hash": prompt.hash, "schema_hash": schema_hash(model)}
    if isinstance(answer, Failure):
        reading.failure = answer.reason
        reading.problems.append(f"model re-read of the {part} table: {answer.reason}")
        reading.rejected = _last_grid(answer.raw, rows)
        return reading
    assert isinstance(answer, Answer) and isinstance(answer.value, model)
    reading.grid = answer.value.rows()
    reading.params = answer.params
    return reading


def _example(rows: tuple[str, ...], columns: tuple[Column, ...]) -> str:
    """The answer's shape with the length of each row: a bare schema (`["integer | null"]`) left the
    local model writing two numbers a row."""
    slots = ", ".join("n" for _ in columns)
    return "{" + ", ".join(f'"{row}": [{slots}]' for row in rows) + "}"


def _context(
    spec: GridSpec,
    table: TableText,
    fmt: Format,
    rows: tuple[str, ...],
    values: dict[str, Value],
    sound: dict[str, bool],
) -> TableContext:
    asked = {f"{spec.part}.{row}." for row in rows}
    known = {
        fid: v.value
        for fid, v in values.items()
        if fid.startswith(spec.part + ".")
        and fid.rsplit(".", 1)[0] + "." not in asked
        and isinstance(v.value, int | float)
        and sound.get(fid, False)
        and not v.review
    }
    tokens = frozenset(value for value, _ in table.numbers)
    rules = tuple(r for r in identities(fmt) if not r.soft and all(c.startswith(spec.part + ".") for c in r.cells))
    return TableContext(spec, tokens, known, rules)


def _last_grid(raw: str | None, rows: Sequence[str]) -> dict[str, list[Any]] | None:
    """The rows of an answer that failed validation, as given, to show a reviewer beside the rules'."""
    match = re.search(r"\{.*\}", raw or "", re.DOTALL)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {row: cells for row in rows if isinstance(cells := data.get(row), list)}


# ---------------------------------------------------------------- merging
def merge_grid(doc: NormalText, values: dict[str, Value], sound: dict[str, bool], reading: GridReading) -> Reading:
    """The model's re-read set beside the rules' `values` (see the module docstring for who wins): new
    Values for the cells it changes; the rules' Values are left as they are."""
    merged = Reading(problems=list(reading.problems))
    part = reading.spec.part
    used = {ev.start for fid, v in values.items() if fid.startswith(part + ".") for ev in v.evidence}
    for row in reading.rows:
        for k, col in enumerate(reading.spec.columns):
            fid = f"{part}.{row}.{col.id}"
            rule = values.get(fid)
            if reading.grid is not None:
                _merge_accepted(doc, rule, merged, reading, fid, reading.grid[row][k], used)
            elif rule is not None and _in_doubt(rule, sound.get(fid, False)):
                merged.values[fid] = replace(rule, review=[*rule.review, _rejected_note(reading, row, k)])
    return merged


def _merge_accepted(
    doc: NormalText,
    rule: Value | None,
    merged: Reading,
    reading: GridReading,
    fid: str,
    read: int | None,
    used: set[int],
) -> None:
    have = rule.value if rule is not None and rule.status != "review" else None
    if have is not None and read is not None and have == read:
        assert rule is not None
        lifted = "; ".join(rule.review)
        merged.values[fid] = replace(
            rule,
            review=[],
            note="; ".join(filter(None, [rule.note, f"parse doubt lifted: the model's re-read agrees ({lifted})"])),
            provenance=dict(reading.params),
            confidence=max(rule.confidence, tier.MODEL_AGREED),
        )
        merged.sound[fid] = True
    elif have is None and read is not None:
        merged.values[fid] = _model_cell(doc, reading, read, used)
    elif have is not None:
        assert rule is not None
        shown = "blank" if read is None else f"{read:g}"
        merged.values[fid] = replace(
            rule,
            review=[*rule.review, f"the model's re-read of the table reads {shown} here; the rules read {have:g}"],
            confidence=min(rule.confidence, tier.BROKEN),
        )


def _model_cell(doc: NormalText, reading: GridReading, read: int, used: set[int]) -> Value:
    evidence = []
    cells = [c for value, c in reading.table.numbers if value == read]
    cells.sort(key=lambda c: c.start in used)  # a printed number no other value cites, first
    if cells:
        used.add(cells[0].start)
        evidence.append(span(doc, cells[0].start, cells[0].end))
    return Value(
        value=read,
        status="parsed",
        source="model",
        evidence=evidence,
        raw=str(read),
        confidence=tier.MODEL_ONLY,
        provenance=dict(reading.params),
        note="read by the model's re-read of the table; the rules could not place this cell",
    )  # the reconciler sends it to review unless an identity confirms it


def _rejected_note(reading: GridReading, row: str, k: int) -> str:
    why = (reading.failure or "").split("Value error, ", 1)[-1]
    note = f"the model's re-read of this table was not accepted ({why})"
    cells = (reading.rejected or {}).get(row)
    if cells is not None and k < len(cells):
        note += f"; it read {cells[k]} here"
    return note
