"""Exports: one row per report, the columns of fields.tsv, Parquet with proper types."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from extractor import extract, to_dataframe
from extractor.results.export import field_specs, read_records, to_csv, to_jsonl, to_parquet, to_xlsx
from tests.conftest import corpus_reports


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[Path, list]:
    reports = [extract(p) for p in corpus_reports()]
    path = tmp_path_factory.mktemp("export") / "results.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in reports), "utf-8")
    return path, reports


def test_csv_has_one_row_per_report_with_its_values(results, tmp_path: Path) -> None:
    path, reports = results
    out = tmp_path / "r.csv"
    assert to_csv(read_records(path), out, flat=False) == len(reports)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == len(reports)
    for row, report in zip(rows, reports, strict=True):
        flat = report.flat()
        total = flat["values"].get("applications.new_received.total")
        assert row["applications.new_received.total"] == ("" if total is None else str(total))
        assert row["review"].split(";") == flat["review"] or (not flat["review"] and row["review"] == "")
        if total is not None:
            assert (
                float(row["applications.new_received.total:confidence"])
                == flat["confidence"]["applications.new_received.total"]
            )


def test_chinese_labels_are_the_official_ones(results, tmp_path: Path) -> None:
    path, _ = results
    out = tmp_path / "zh.csv"
    to_csv(read_records(path), out, flat=True, labels="zh")
    head = next(csv.reader(out.open(encoding="utf-8-sig")))
    assert head[:4] == ["文件", "内容哈希", "发布机关", "报告年度"]
    assert "第二十条(一) 规章 本年制发件数" in head and len(head) == len(set(head))
    assert not any("(the " in h for h in head)


def test_parquet_columns_are_typed(results, tmp_path: Path) -> None:
    path, reports = results
    out = tmp_path / "r.parquet"
    to_parquet(read_records(path), out, flat=True, batch=4)  # several row groups
    table = pq.read_table(out)
    assert table.num_rows == len(reports)
    assert table.schema.field("applications.new_received.total").type == pa.int64()
    assert table.schema.field("active.fees.amount").type == pa.float64()
    assert table.schema.field("meta.organ").type == pa.string()
    assert table.column("applications.new_received.total").to_pylist() == [
        r.flat()["values"].get("applications.new_received.total") for r in reports
    ]


def test_a_fractional_count_is_null_in_an_integer_column_not_rounded(tmp_path: Path) -> None:
    record = {"source": "x", "values": {"applications.new_received.total": 2.5}, "confidence": {}, "review": []}
    out = tmp_path / "r.parquet"
    to_parquet([record], out, flat=True)
    assert pq.read_table(out).column("applications.new_received.total").to_pylist() == [None]


def test_to_dataframe_takes_reports_and_keeps_nulls(results) -> None:
    _, reports = results
    df = to_dataframe(reports)
    assert len(df) == len(reports)
    assert str(df["applications.new_received.total"].dtype) == "Int64"
    assert list(df.columns[:2]) == ["source", "content_hash"]
    assert len([c for c in df.columns if "." in c]) == len(field_specs())


def test_flat_jsonl_is_the_flat_record(results, tmp_path: Path) -> None:
    path, reports = results
    out = tmp_path / "flat.jsonl"
    to_jsonl(read_records(path), out, flat=True)
    for line, report in zip(out.read_text("utf-8").splitlines(), reports, strict=True):
        rec = json.loads(line)
        assert rec["values"] == report.flat()["values"] and rec["review"] == report.flat()["review"]


def export(results: Path, fmt: str, out: Path) -> subprocess.CompletedProcess[str]:
    """`xxgk export RESULTS --to FMT -o OUT`, as a user runs it."""
    cmd = [sys.executable, "-m", "extractor.cli", "export", str(results), "--to", fmt, "-o", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_export_command(results, tmp_path: Path) -> None:
    path, reports = results
    out = tmp_path / "r.parquet"
    p = export(path, "parquet", out)
    assert p.returncode == 0, p.stderr
    assert f"{len(reports)} report(s) written" in p.stderr
    assert pq.read_table(out).num_rows == len(reports)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "a", "values": {}}\n{"sou', "utf-8")
    p = subprocess.run(
        [sys.executable, "-m", "extractor.cli", "export", str(bad), "--to", "csv"], capture_output=True, text=True
    )
    assert p.returncode == 1 and "bad.jsonl:2" in p.stderr and "Traceback" not in p.stderr


def test_xlsx_has_chinese_labels_typed_values_and_a_review_sheet(results, tmp_path: Path) -> None:
    path, reports = results
    out = tmp_path / "r.xlsx"
    assert to_xlsx(read_records(path), out, flat=False) == len(reports)
    wb = load_workbook(out)
    assert wb.sheetnames == ["报告", "待复核", "字段说明"]
    sheet = wb["报告"]
    head = [c.value for c in sheet[1]]
    assert head[:3] == ["文件", "内容哈希", "发布机关"] and "发布机关：置信度" in head
    col = head.index("第二十条(一) 规章 本年制发件数")
    yellow = 0
    for row, report in zip(sheet.iter_rows(min_row=2), reports, strict=True):
        flat = report.flat()
        assert row[col].value == flat["values"].get("active.regulations.issued")  # a number, not text
        for fid in flat["review"]:
            cell = row[head.index(_zh(fid))]
            assert cell.fill.fgColor.rgb.endswith("FFF59D"), fid
            yellow += 1
    review = list(wb["待复核"].iter_rows(min_row=2, values_only=True))
    assert len(review) == yellow == sum(len(r.review) for r in reports) > 0
    for source, _, fid, label, value, confidence, _, reason, _ in review:
        report = next(r for r in reports if r.source == source)
        assert value == report.get(fid).value and confidence == report.get(fid).confidence
        assert reason == "; ".join(report.get(fid).review) and reason and label == _zh(fid)
    assert [c.value for c in wb["字段说明"][2]][:2] == [field_specs()[0].id, field_specs()[0].label]


def test_xlsx_writes_hostile_text_as_text_never_as_a_formula(tmp_path: Path) -> None:
    text = corpus_reports()[0].read_text("utf-8")
    report = extract(text=text, name="=cmd|' /C calc'!A0\x01")
    src = tmp_path / "r.jsonl"
    src.write_text(report.model_dump_json() + "\n", "utf-8")
    out = tmp_path / "r.xlsx"
    to_xlsx(read_records(src), out, flat=False)
    cell = load_workbook(out)["报告"]["A2"]
    assert cell.value == "=cmd|' /C calc'!A0\ufffd" and cell.data_type == "s"


def test_xlsx_command_defaults_to_chinese_labels(results, tmp_path: Path) -> None:
    path, _ = results
    out = tmp_path / "r.xlsx"
    p = export(path, "xlsx", out)
    assert p.returncode == 0, p.stderr
    assert load_workbook(out)["报告"]["A1"].value == "文件"


def _zh(field_id: str) -> str:
    return next(s.label for s in field_specs() if s.id == field_id)
