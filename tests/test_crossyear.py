"""Cross-year rules (X1–X3) over a batch: recorded in both records and the summary, never fixed."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.core.schema import APPLICANT_COLUMNS
from extractor.results import batch
from extractor.results.crossyear import Entry, annotate, results
from tests.synth import random_report, render

A = "applications"


def entry(line: int, year: int, fmt: str, **values: float) -> Entry:
    return Entry(line, f"r{line}", "某县民政局", year, fmt, {k.replace("__", "."): v for k, v in values.items()})


def test_x1_passes_and_fails_per_column_and_both_records_hear_of_it() -> None:
    before = entry(0, 2020, "2019", applications__carried_forward__total=5, applications__carried_forward__commercial=1)
    now = entry(1, 2021, "2021", applications__carried_over__total=5, applications__carried_over__commercial=2)
    per_line, found = results([before, now])
    outcomes = {c["rule"]: c["outcome"] for c in per_line[1]}
    assert outcomes == {"X1[total]": "PASS", "X1[commercial]": "FAIL"}
    assert {c["rule"]: c["outcome"] for c in per_line[0]} == outcomes  # last year's record hears of it too
    assert {c["other"] for c in per_line[0]} == {"r1"} and {c["other"] for c in per_line[1]} == {"r0"}
    assert found.pairs == 1 and len(found.failed) == 1 and "X1[commercial]" in found.failed[0]


def test_x2_holds_only_between_two_2019_format_reports() -> None:
    values = {"active__licensing__previous_items": 10, "active__licensing__change": -2}
    now = {"active__licensing__previous_items": 8}
    same = results([entry(0, 2019, "2019", **values), entry(1, 2020, "2019", **now)])[0]
    assert [c["outcome"] for c in same[1]] == ["PASS"]
    switched = results([entry(0, 2020, "2019", **values), entry(1, 2021, "2021", **now)])[0]
    assert not switched


def test_x3_is_a_warning_and_blanks_are_not_compared() -> None:
    before = entry(0, 2022, "2021", active__regulations__in_force=100)
    now = entry(1, 2023, "2021", active__regulations__in_force=90, active__regulations__issued=3,
                active__regulations__repealed=5)  # fmt: skip
    per_line, found = results([before, now])
    assert [c["outcome"] for c in per_line[1]] == ["WARN"] and found.warned and not found.failed
    open_blank = entry(1, 2023, "2021", active__regulations__in_force=90, active__regulations__issued=3)
    assert not results([before, open_blank])[0]


def test_two_reports_claiming_one_agency_and_year_are_not_paired() -> None:
    before = entry(0, 2020, "2021", applications__carried_forward__total=5)
    a, b = entry(1, 2021, "2021", applications__carried_over__total=5), entry(2, 2021, "2021")
    assert results([before, a, b])[1].pairs == 0


def consecutive_pair(rng: random.Random, break_x1: bool) -> tuple[dict, dict]:
    last, this = random_report(rng, "2021"), random_report(rng, "2021")
    for col in APPLICANT_COLUMNS[:-1]:
        carried = last[f"{A}.carried_forward.{col}"] + (1 if break_x1 and col == "natural_person" else 0)
        this[f"{A}.carried_over.{col}"] = carried
        this[f"{A}.new_received.{col}"] = this[f"{A}.processed_total.{col}"] + this[f"{A}.carried_forward.{col}"]
        this[f"{A}.new_received.{col}"] -= carried
        if this[f"{A}.new_received.{col}"] < 0:  # keep every count >= 0: carry more forward
            this[f"{A}.carried_forward.{col}"] -= this[f"{A}.new_received.{col}"]
            this[f"{A}.new_received.{col}"] = 0
    for row in ("carried_over", "new_received", "carried_forward"):
        this[f"{A}.{row}.total"] = sum(this[f"{A}.{row}.{c}"] for c in APPLICANT_COLUMNS[:-1])
    this["narrative.applications_received"] = this[f"{A}.new_received.total"]
    return last, this


@pytest.mark.parametrize("flat", [False, True])
def test_a_batch_records_cross_year_results_in_both_records(tmp_path: Path, flat: bool) -> None:
    rng = random.Random(3)
    for organ, broken in (("某县民政局", False), ("某县水利局", True)):
        last, this = consecutive_pair(rng, broken)
        (tmp_path / f"{organ}_2022.txt").write_text(render(last, "2021", "markdown", organ, 2022), "utf-8")
        (tmp_path / f"{organ}_2023.txt").write_text(render(this, "2021", "markdown", organ, 2023), "utf-8")
    out = tmp_path / "out" / "r.jsonl"
    flag = ["--flat"] if flat else []
    p = subprocess.run([sys.executable, "-m", "extractor.cli", "extract", str(tmp_path), "-o", str(out), *flag],
                       capture_output=True, text=True)  # fmt: skip
    assert p.returncode == 0, p.stderr
    # One column off by one breaks that column and the 总计 column: two mismatches, one pair.
    assert "2 consecutive-year pair(s), 2 mismatch(es)" in p.stderr
    records = {Path(r["source"]).stem: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    for stem in ("某县水利局_2022", "某县水利局_2023"):
        failed = [c for c in records[stem]["cross_year"] if c["outcome"] == "FAIL"]
        assert sorted(c["rule"] for c in failed) == ["X1[natural_person]", "X1[total]"]
    assert all(c["outcome"] == "PASS" for c in records["某县民政局_2023"]["cross_year"] if c["rule"].startswith("X1"))
    # Never fixed: the printed values stay as they were.
    if flat:
        assert records["某县水利局_2023"]["values"]["applications.carried_over.natural_person"] is not None
    else:
        assert records["某县水利局_2023"]["applications"]["carried_over"]["natural_person"]["status"] == "parsed"
    again = out.read_text("utf-8")
    annotate(out)  # a second pass (a resumed batch) changes nothing
    assert out.read_text("utf-8") == again


def test_figures_kept_while_writing_stand_for_reading_the_output_back(tmp_path: Path) -> None:
    """A batch keeps each flat record's cross-year figures as it writes it; the pass then gives
    exactly what reading the whole output back gives."""
    rng = random.Random(5)
    for organ, broken in (("某县民政局", False), ("某县水利局", True), ("某县教育局", True)):
        last, this = consecutive_pair(rng, broken)
        (tmp_path / f"{organ}_2022.txt").write_text(render(last, "2021", "markdown", organ, 2022), "utf-8")
        (tmp_path / f"{organ}_2023.txt").write_text(render(this, "2021", "markdown", organ, 2023), "utf-8")
    (tmp_path / "无机关.txt").write_text("这不是年度报告", "utf-8")  # an error line keeps no figures
    kept, read = tmp_path / "kept.jsonl", tmp_path / "read.jsonl"
    with kept.open("wb") as out:
        summary = batch.run(sorted(tmp_path.glob("*.txt")), out, flat=True)
    assert summary.entries is not None and len(summary.entries) == 6 and summary.failed == 1
    read.write_bytes(kept.read_bytes())
    by_kept = annotate(kept, written=summary.entries)
    by_reading = annotate(read)
    assert (by_kept.pairs, by_kept.failed) == (by_reading.pairs, by_reading.failed) and by_kept.pairs == 3
    assert kept.read_bytes() == read.read_bytes()
