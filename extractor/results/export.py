"""Export batch results as one row per report: CSV, Parquet (typed columns) or JSON Lines.

Columns are the canonical field ids of fields.tsv, in its order, or with `labels="zh"` the official
Chinese labels. Without `flat`, each field also gets its confidence and status, so a spreadsheet
user sees what to trust; with `flat`, only the values (the flat record of flat-record.md).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from extractor.core.schema import Report
from extractor.results import jsonl

if TYPE_CHECKING:
    import pandas
    import pyarrow

Labels = Literal["id", "zh"]
COUNT_UNITS = frozenset({"件", "项", "year"})
MONEY_UNITS = frozenset({"万元", "元"})
LEAD = ("source", "content_hash")
TAIL = ("review", "cross_year_failed")
# Chinese names of the columns that are not report fields, and of the one field fields.tsv names by
# its values; the other labels are fields.tsv's own, minus the English notes in brackets.
ZH_NAMES = {
    "source": "文件", "content_hash": "内容哈希", "review": "待复核字段", "cross_year_failed": "跨年度核对未通过",
    "meta.format": "报告格式",
}  # fmt: skip
ZH_PARTS = {"confidence": "置信度", "status": "状态"}
_ENGLISH_NOTE = re.compile(r"\s*\([A-Za-z][^)]*\)")


@dataclass(frozen=True)
class FieldSpec:
    id: str
    label: str
    unit: str
    signed: bool = False  # 本年增/减: a change that may be negative


@cache
def field_specs() -> tuple[FieldSpec, ...]:
    """The canonical fields (fields.tsv, shipped with the package), in order."""
    text = resources.files("extractor.core").joinpath("fields.tsv").read_text("utf-8")
    rows = list(csv.reader(text.splitlines()[1:], delimiter="\t"))
    return tuple(
        FieldSpec(r[0], ZH_NAMES.get(r[0], _ENGLISH_NOTE.sub("", r[1])), r[3], "(signed)" in r[1]) for r in rows if r
    )


read_records = jsonl.records  # the one reader of results files


def flat_of(record: dict[str, Any]) -> dict[str, Any]:
    """The flat record (flat-record.md) of a full or flat record, with its field statuses when known."""
    if "values" in record:
        return record
    try:
        report = Report.model_validate(record)
    except ValidationError as e:
        raise ValueError(f"{record.get('source')}: not a full xxgk record ({e.error_count()} schema errors)") from None
    flat = report.flat()
    flat["content_hash"] = report.content_hash
    flat["status"] = {fid: v.status for fid, v in report.fields() if fid in flat["values"]}
    flat["cross_year"] = record.get("cross_year", [])
    return flat


def row_of(record: dict[str, Any], *, flat: bool) -> dict[str, Any]:
    """One export row: field id -> value (and, unless flat, -> confidence and status)."""
    rec = flat_of(record)
    row: dict[str, Any] = {"source": rec.get("source"), "content_hash": rec.get("content_hash")}
    values, confidence, status = rec.get("values", {}), rec.get("confidence", {}), rec.get("status", {})
    for spec in field_specs():
        row[spec.id] = values.get(spec.id)
        if not flat:
            row[f"{spec.id}:confidence"] = confidence.get(spec.id)
            row[f"{spec.id}:status"] = status.get(spec.id)
    row["review"] = ";".join(rec.get("review", []))
    failed = [c["rule"] for c in rec.get("cross_year", []) if c.get("outcome") == "FAIL"]
    row["cross_year_failed"] = ";".join(failed)
    return row


def columns(*, flat: bool) -> list[str]:
    cols = list(LEAD)
    for spec in field_specs():
        cols.append(spec.id)
        if not flat:
            cols += [f"{spec.id}:confidence", f"{spec.id}:status"]
    return cols + list(TAIL)


def header(cols: list[str], labels: Labels) -> list[str]:
    """Column names: field ids, or the official Chinese labels (unique, as fields.tsv's labels are)."""
    if labels == "id":
        return cols
    zh = {**ZH_NAMES, **{s.id: s.label for s in field_specs()}}
    out = []
    for c in cols:
        fid, _, part = c.partition(":")
        out.append(zh.get(fid, fid) + (f"：{ZH_PARTS[part]}" if part else ""))
    return out


def to_csv(records: Iterable[dict[str, Any]], out: Path, *, flat: bool, labels: Labels = "id") -> int:
    cols = columns(flat=flat)
    n = 0
    with out.open("w", encoding="utf-8-sig", newline="") as f:  # the BOM lets Excel read UTF-8
        writer = csv.writer(f)
        writer.writerow(header(cols, labels))
        for record in records:
            row = row_of(record, flat=flat)
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in cols])
            n += 1
    return n


def to_jsonl(records: Iterable[dict[str, Any]], out: Path, *, flat: bool) -> int:
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(jsonl.dumps(flat_of(record) if flat else record) + "\n")
            n += 1
    return n


def arrow_schema(*, flat: bool, labels: Labels = "id") -> pyarrow.Schema:
    """Typed columns: counts as int64, money as float64, text as string; all nullable."""
    import pyarrow as pa

    types: dict[str, pyarrow.DataType] = {"source": pa.string(), "content_hash": pa.string()}
    for spec in field_specs():
        if spec.unit in COUNT_UNITS:
            types[spec.id] = pa.int64()
        elif spec.unit in MONEY_UNITS:
            types[spec.id] = pa.float64()
        else:
            types[spec.id] = pa.string()
        types[f"{spec.id}:confidence"] = pa.float64()
        types[f"{spec.id}:status"] = pa.string()
    types.update(review=pa.string(), cross_year_failed=pa.string())
    cols = columns(flat=flat)
    return pa.schema([pa.field(name, types[c]) for c, name in zip(cols, header(cols, labels), strict=True)])


def to_parquet(
    records: Iterable[dict[str, Any]], out: Path, *, flat: bool, labels: Labels = "id", batch: int = 2000
) -> int:
    """Written in row groups of `batch` reports, so memory does not grow with the results file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(flat=flat, labels=labels)
    cols = columns(flat=flat)
    n = 0
    with pq.ParquetWriter(out, schema) as writer:
        rows: list[dict[str, Any]] = []
        for record in records:
            rows.append(row_of(record, flat=flat))
            if len(rows) == batch:
                writer.write_table(_table(rows, cols, schema, pa))
                n += len(rows)
                rows = []
        if rows or n == 0:
            writer.write_table(_table(rows, cols, schema, pa))
            n += len(rows)
    return n


def _table(rows: list[dict[str, Any]], cols: list[str], schema: pyarrow.Schema, pa: Any) -> pyarrow.Table:
    arrays = []
    for c, f in zip(cols, schema, strict=True):
        values = [r.get(c) for r in rows]
        if f.type == pa.int64():
            values = [_whole(v) for v in values]
        elif f.type == pa.float64():
            values = [v if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values]
        arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _whole(v: Any) -> int | None:
    # A count printed as a fraction breaks R5 and is in the record's review list; an integer column
    # cannot hold it, so it is exported as null rather than rounded.
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return int(v) if float(v).is_integer() else None


def to_dataframe(records: Iterable[dict[str, Any] | Report], *, flat: bool = True) -> pandas.DataFrame:
    """A pandas DataFrame, one row per report, typed like the Parquet export (nullable integers)."""
    rows = [r.model_dump(mode="json") if isinstance(r, Report) else r for r in records]
    return to_arrow(rows, flat=flat).to_pandas(types_mapper=_nullable_types())


def to_arrow(records: Iterable[dict[str, Any]], *, flat: bool = True) -> pyarrow.Table:
    import pyarrow as pa

    schema = arrow_schema(flat=flat)
    return _table([row_of(r, flat=flat) for r in records], columns(flat=flat), schema, pa)


def _nullable_types() -> Any:
    import pandas as pd
    import pyarrow as pa

    mapping = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype()}
    return mapping.get


# The spreadsheet: one sheet of reports (a field in review has a yellow cell), one of the fields to
# review with their reasons and evidence, one naming the columns. Sheet and column names are data.
XLSX_SHEETS = {"records": "报告", "review": "待复核", "fields": "字段说明"}
XLSX_REVIEW_COLUMNS = {
    "id": ("source", "content_hash", "field", "label", "value", "confidence", "status", "reason", "evidence"),
    "zh": ("文件", "内容哈希", "字段", "字段名称", "值", "置信度", "状态", "复核原因", "原文"),
}
XLSX_FIELDS_COLUMNS = {"id": ("field", "label", "unit"), "zh": ("字段", "字段名称", "单位")}
_REVIEW_FILL = "FFF59D"
_NO_REASONS = "(flat record: the reasons are in the full record)"


@dataclass(frozen=True)
class ReviewRow:
    """One field on a record's review list, as the review sheet shows it."""

    field: str
    value: Any
    confidence: float | None
    status: str | None
    reason: str
    evidence: str


def review_rows(record: dict[str, Any]) -> list[ReviewRow]:
    """The fields a person should check in one record, with why and where (full records) or without."""
    if "values" in record:
        conf, status = record.get("confidence", {}), record.get("status", {})
        return [
            ReviewRow(f, record["values"].get(f), conf.get(f), status.get(f), _NO_REASONS, "")
            for f in record.get("review", [])
        ]
    report = Report.model_validate(record)
    out = []
    for fid in report.review:
        try:
            v = report.get(fid)
        except KeyError:
            continue
        if v is None:
            continue
        quote = " … ".join(e.quote for e in v.evidence)
        out.append(ReviewRow(fid, v.value, v.confidence, v.status, "; ".join(v.review), quote))
    return out


def to_xlsx(records: Iterable[dict[str, Any]], out: Path, *, flat: bool, labels: Labels = "zh") -> int:
    """An Excel workbook (openpyxl, written row by row so memory does not grow with the batch)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    sheet, review = wb.create_sheet(XLSX_SHEETS["records"]), wb.create_sheet(XLSX_SHEETS["review"])
    for ws in (sheet, review):
        ws.freeze_panes = "C2"
    cols = columns(flat=flat)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=_REVIEW_FILL)

    def heading(ws: Any, names: Iterable[str]) -> None:
        cells = [_cell(ws, name) for name in names]
        for cell in cells:
            cell.font = bold
        ws.append(cells)

    heading(sheet, header(cols, labels))
    heading(review, XLSX_REVIEW_COLUMNS[labels])
    n = 0
    for record in records:
        row = row_of(record, flat=flat)
        flagged = set(filter(None, row["review"].split(";")))
        cells = []
        for c in cols:
            cell = _cell(sheet, row.get(c))
            if c in flagged:
                cell.fill = fill
            cells.append(cell)
        sheet.append(cells)
        for r in review_rows(record):
            line = (row["source"], row["content_hash"], r.field, _label(r.field), r.value, r.confidence, r.status,
                    r.reason, r.evidence)  # fmt: skip
            review.append([_cell(review, v) for v in line])
        n += 1
    about = wb.create_sheet(XLSX_SHEETS["fields"])
    heading(about, XLSX_FIELDS_COLUMNS[labels])
    for spec in field_specs():
        about.append([_cell(about, v) for v in (spec.id, spec.label, spec.unit)])
    wb.save(out)
    return n


def _label(field_id: str) -> str:
    return next((s.label for s in field_specs() if s.id == field_id), field_id)


_EXCEL_TEXT_MAX = 32767


def _cell(ws: Any, v: Any) -> Any:
    """A cell that holds `v` as data: numbers as numbers, everything else as text, never a formula.

    Report text is hostile input: a string that starts with `=` would be written as a formula by
    openpyxl, and control characters make the file unreadable, so text is always typed as text."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if v is None or (isinstance(v, int | float) and not isinstance(v, bool)):
        return WriteOnlyCell(ws, value=v)
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)[:_EXCEL_TEXT_MAX])
    cell.data_type = "s"
    return cell
