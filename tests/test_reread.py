"""The model's re-read of malformed tables: which rows are asked, what a re-read must satisfy, and how
it is merged. The first part needs no model; the second replays the real local model's answers
(cassettes under cassettes/test_reread, recorded with `xxgk serve-local`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx2
import pytest
from pydantic import ValidationError

from extractor import extract
from extractor.core.normalize import NormalText, normalize
from extractor.core.reading import Reading
from extractor.llm.client import ModelClient
from extractor.llm.reread import (
    GridReading,
    TableContext,
    _context,
    grid_model,
    grid_spec,
    merge_grid,
    rows_in_doubt,
    table_text,
)
from extractor.read.load import load_path
from extractor.rules.sections import split_sections
from extractor.rules.tables import read_applications
from tests import faults
from tests.conftest import CORPUS, gold_of
from tests.test_model import LOCAL, assert_grounded, assert_no_silent_errors, sent

KEWEI = CORPUS / "real" / "sh_kewei_2024.md"  # 2021; its PDF-to-Markdown export printed ten labels apart
SEED_002 = CORPUS / "seeds" / "002_9f5d170e6957ee3e.txt"  # 2019; one row per line with | cells
WELL_FORMED = [CORPUS / "seeds" / "001_3c78160da86addac.txt", SEED_002, CORPUS / "real" / "shuyang_gov_2025.txt"]
PARTIAL_ROW = "(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 2 |"
NOT_HELD_ROW = "1.本机关不掌握相关政府信息 | 4 | 0 | 0 | 0 | 0 | 0 | 4 | ||"


def kewei_text() -> str:
    """sh_kewei_2024 with the ten row labels its export printed apart from their numbers taken out, as
    exports that drop them leave a table: rows of numbers that only the official order can place (with
    the labels printed apart, in the same order, the rules place them themselves)."""
    lines = KEWEI.read_text("utf-8").split("\n")
    start = next(k for k, line in enumerate(lines) if line.startswith("## 表三"))
    end = next(k for k, line in enumerate(lines) if k > start and "政府信息公开行政复议" in line)
    table = [line for line in lines[start:end] if "|" in line or not line.strip()]
    return "\n".join([*lines[:start], *table, *lines[end:]])


def lost_label() -> str:
    """Seed 002 with the label of （二）部分公开 lost, as PDF exports lose them."""
    text = SEED_002.read_text("utf-8")
    assert PARTIAL_ROW in text
    return text.replace(PARTIAL_ROW, " | 2 |")


def stray_cell() -> str:
    """Seed 002 with a stray number (a footnote mark) among the cells of 本机关不掌握: eight cells for
    seven columns. (A lost cell no longer serves here: the identities place the cells left.)"""
    text = SEED_002.read_text("utf-8")
    assert NOT_HELD_ROW in text
    return text.replace(NOT_HELD_ROW, "1.本机关不掌握相关政府信息 | 4 | 0 | 0 | 1 | 0 | 0 | 0 | 4")


def table_stage(text: str, fmt: str) -> tuple[NormalText, tuple[int, int], Reading]:
    norm = normalize(text)
    sections = split_sections(norm.text)
    region = (sections["applications"].body_start, sections["disputes"].start)
    reading, _ = read_applications(norm, *region, fmt)
    return norm, region, reading


def kewei() -> tuple[NormalText, tuple[int, int], Reading, tuple[str, ...]]:
    norm, region, reading = table_stage(kewei_text(), "2021")
    return norm, region, reading, rows_in_doubt("applications", "2021", reading.values, reading.sound)


def gold_rows(path: Path, rows: tuple[str, ...]) -> dict[str, list[int | None]]:
    gold = gold_of(path)["fields"]
    return {
        row: [gold[f"applications.{row}.{c.id}"] for c in grid_spec("applications", "2021").columns] for row in rows
    }


def kewei_context() -> tuple[TableContext, dict[str, list[int | None]]]:
    norm, region, reading, rows = kewei()
    table = table_text(norm, *region)
    return _context(grid_spec("applications", "2021"), table, "2021", rows, reading.values, reading.sound), gold_rows(
        KEWEI, rows
    )


# ---------------------------------------------------------------- which rows are asked
def test_rows_in_doubt_are_the_rows_the_rules_could_not_place_by_label():
    _, _, reading, rows = kewei()
    placed_by_order = {
        fid.split(".")[1]
        for fid, v in reading.values.items()
        if any("placed by the official row order" in r for r in v.review)
    }
    assert rows and set(rows) == placed_by_order


@pytest.mark.parametrize("path", WELL_FORMED, ids=lambda p: p.stem)
def test_a_well_formed_table_has_no_row_in_doubt(path):
    fmt = extract(path).meta.format.value
    _, _, reading = table_stage(load_path(path).text, fmt)
    assert rows_in_doubt("applications", fmt, reading.values, reading.sound) == ()


def test_a_row_whose_own_identity_fails_is_in_doubt():
    text = SEED_002.read_text("utf-8").replace(
        NOT_HELD_ROW, "1.本机关不掌握相关政府信息 | 4 | 0 | 0 | 0 | 0 | 0 | 5 | ||"
    )
    _, _, reading = table_stage(text, "2019")
    assert rows_in_doubt("applications", "2019", reading.values, reading.sound) == ("unable_not_held",)


def test_unaligned_and_unlabelled_rows_are_in_doubt():
    for text, rows in ((stray_cell(), {"unable_not_held"}), (lost_label(), {"partially_granted"})):
        _, _, reading = table_stage(text, "2019")
        assert rows <= set(rows_in_doubt("applications", "2019", reading.values, reading.sound))


# ---------------------------------------------------------------- what the model reads
def test_table_text_drops_rule_lines_and_padding_but_keeps_blank_cells():
    norm = normalize("| 项目 | 自然人 | 总计 |\n|---|---|---|\n| 一、本年新收 | 12 |  |\n")
    passage = table_text(norm, 0, len(norm.text)).passage
    assert passage.text == "项目|自然人|总计\n一、本年新收|12|"
    at = passage.text.index("12")
    assert norm.text[passage.to_doc(at) : passage.to_doc(at) + 2] == "12"


def test_every_number_of_a_table_text_maps_back_to_the_text():
    norm, region, _, _ = kewei()
    passage = table_text(norm, *region).passage
    assert "---" not in passage.text and "| " not in passage.text
    for k, ch in enumerate(passage.text):
        if ch.isdigit():
            assert norm.text[passage.to_doc(k)] == ch


# ---------------------------------------------------------------- what a re-read must satisfy
def test_the_true_rows_pass_validation():
    ctx, rows = kewei_context()
    assert grid_model(tuple(rows)).model_validate(rows, context={"table": ctx}).rows() == rows


def test_blank_words_are_blanks():
    ctx, rows = kewei_context()
    row = next(iter(rows))
    answer = {**rows, row: ["null" if x == 0 else str(x) for x in rows[row]]}
    parsed = grid_model(tuple(rows)).model_validate(answer, context={"table": ctx}).rows()
    assert parsed[row] == [None if x == 0 else x for x in rows[row]]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda cells: [*cells[:-1], 777], "777 is not a number printed in the table"),
        (lambda cells: cells[:-1], "give exactly 7"),
        (lambda cells: [cells[-1], *cells[1:-1], cells[0]], "does not hold"),
    ],
    ids=["number_not_in_text", "short_row", "identity_broken"],
)
def test_a_rereading_that_the_text_or_the_arithmetic_refutes_is_rejected(damage, message):
    ctx, rows = kewei_context()
    row = next(r for r, cells in rows.items() if cells[0] != cells[-1])  # a row where the swap shows
    with pytest.raises(ValidationError, match=message):
        grid_model(tuple(rows)).model_validate({**rows, row: damage(rows[row])}, context={"table": ctx})


# ---------------------------------------------------------------- merging
def merged(grid: dict | None, rejected: dict | None = None, failure: str | None = None):
    norm, region, reading, rows = kewei()
    spec = grid_spec("applications", "2021")
    result = GridReading(spec, rows, grid, rejected, failure, {"model": "local"}, table_text(norm, *region), [])
    reading.add(merge_grid(norm, reading.values, reading.sound, result))
    return reading, rows


def test_merging_leaves_the_rules_values_as_they_were():
    norm, region, reading, rows = kewei()
    spec = grid_spec("applications", "2021")
    grid = gold_rows(KEWEI, rows)
    before = {fid: (v.value, list(v.review), v.confidence, v.note) for fid, v in reading.values.items()}
    result = GridReading(spec, rows, grid, None, None, {"model": "local"}, table_text(norm, *region), [])
    merged_reading = merge_grid(norm, reading.values, reading.sound, result)
    assert merged_reading.values  # the re-read changed something ...
    after = {fid: (v.value, list(v.review), v.confidence, v.note) for fid, v in reading.values.items()}
    assert after == before  # ... in new Values, not in the rules' ones


def test_an_accepted_rereading_that_agrees_lifts_the_parse_doubt():
    reading, rows = merged(gold_rows(KEWEI, kewei()[3]))
    for row in rows:
        for col in grid_spec("applications", "2021").columns:
            v = reading.values[f"applications.{row}.{col.id}"]
            assert not v.review and reading.sound[f"applications.{row}.{col.id}"]
            assert "re-read agrees" in v.note and v.provenance == {"model": "local"}


def test_an_accepted_rereading_that_disagrees_keeps_the_rules_value_and_both_readings():
    rows = kewei()[3]
    grid = gold_rows(KEWEI, rows)
    row = rows[0]
    rules_value = grid[row][0]
    grid[row] = [rules_value + 1, *grid[row][1:]]
    reading, _ = merged(grid)
    v = reading.values[f"applications.{row}.natural_person"]
    assert v.value == rules_value and v.confidence <= 0.5
    assert any(f"reads {rules_value + 1} here; the rules read {rules_value}" in r for r in v.review)


def test_a_rejected_rereading_leaves_the_doubt_with_the_models_reading():
    rows = kewei()[3]
    rejected = {rows[0]: [5, 0, 0, 0, 0, 0, 0]}
    reading, _ = merged(None, rejected, "R3[x] does not hold: 5 ≠ 0")
    v = reading.values[f"applications.{rows[0]}.natural_person"]
    assert any("placed by the official row order" in r for r in v.review)
    assert any("not accepted (R3[x] does not hold: 5 ≠ 0); it read 5 here" in r for r in v.review)


def test_a_cell_the_rules_could_not_place_is_filled_with_evidence_in_the_text():
    norm, region, reading = table_stage(stray_cell(), "2019")
    assert reading.values["applications.unable_not_held.total"].status == "missing"
    spec = grid_spec("applications", "2019")
    grid = {"unable_not_held": [4, 0, 0, 0, 0, 0, 4]}
    result = GridReading(spec, ("unable_not_held",), grid, None, None, {}, table_text(norm, *region), [])
    reading.add(merge_grid(norm, reading.values, reading.sound, result))
    for col, expected in zip(spec.columns, grid["unable_not_held"], strict=True):
        v = reading.values[f"applications.unable_not_held.{col.id}"]
        assert (v.value, v.source, v.status) == (expected, "model", "parsed")
        ev = v.evidence[0]
        assert norm.text[ev.start : ev.end] == ev.quote == str(expected)
        assert region[0] <= ev.start < region[1]


# ---------------------------------------------------------------- the real model (cassettes)
def llm(*injected: faults.Fault) -> tuple[ModelClient, faults.FaultyTransport]:
    transport = faults.FaultyTransport(*injected)
    return ModelClient(replace(LOCAL), http_client=httpx2.Client(transport=transport)), transport


def is_table_request(request: httpx2.Request) -> bool:
    return "表格原文" in sent(request)


def table_requests(transport: faults.FaultyTransport) -> list[str]:
    return [sent(r) for r in transport.requests if is_table_request(r)]


def assert_table_values_grounded(report, text: str) -> None:
    """Every table value the model filled is a number printed in the report, at its evidence offsets."""
    norm = normalize(text)
    for fid, v in report.fields():
        if fid.startswith(("applications.", "disputes.")) and v.source == "model":
            assert v.evidence and norm.text[v.evidence[0].start : v.evidence[0].end] == str(v.value), fid


@pytest.mark.vcr
@pytest.mark.parametrize("path", WELL_FORMED, ids=lambda p: p.stem)
def test_a_well_formed_report_costs_no_table_call(path):
    client, transport = llm()
    report = extract(path, llm=client)
    assert not table_requests(transport)
    assert not [a for a in report.usage.asked if a.startswith(("applications.", "disputes."))]


@pytest.mark.vcr
def test_a_table_whose_labels_were_lost_is_reread_for_those_rows_only():
    client, transport = llm()
    text = kewei_text()
    report = extract(text=text, name=KEWEI.name, llm=client)
    asked = kewei()[3]
    (request,) = table_requests(transport)
    for row in asked:
        assert f'"{row}"' in request
    assert [a for a in report.usage.asked if a.startswith("applications.")] == [f"applications.{r}" for r in asked]
    assert_no_silent_errors(report, KEWEI)
    assert_grounded(report, text)
    assert_table_values_grounded(report, text)
    rules = extract(text=text, name=KEWEI.name)
    for fid, value in rules.flat()["values"].items():  # a value the rules read is never replaced
        if fid.startswith("applications."):
            assert report.flat()["values"][fid] == value, fid
    assert all(e.startswith("no valid answer") for e in report.usage.errors)  # the model answered every call
    failed = any("re-read of the applications table" in p for p in report.problems)
    for row in asked:
        v = report.get(f"applications.{row}.total")
        if failed:  # the doubt stays, and the reviewer sees what the model read
            assert any("placed by the official row order" in r for r in v.review), row
            assert any("not accepted" in r for r in v.review), row
        else:  # accepted: the doubt is lifted where it agrees, both readings kept where it does not
            assert "re-read agrees" in (v.note or "") or any("the model's re-read" in r for r in v.review), row


@pytest.mark.vcr
def test_a_row_the_rules_could_not_place_is_read_by_the_model():
    client, transport = llm()
    report = extract(lost_label(), name="lost_label.txt", llm=client)
    (request,) = table_requests(transport)
    assert '"partially_granted"' in request
    assert all(e.startswith("no valid answer") for e in report.usage.errors)  # the model answered every call
    rules = extract(lost_label(), name="lost_label.txt")
    assert rules.get("applications.partially_granted.total").value is None  # the rules alone cannot place it
    assert_no_silent_errors(report, SEED_002)
    assert_table_values_grounded(report, lost_label())
    filled = [fid for fid, v in report.fields() if fid.startswith("applications.") and v.source == "model"]
    gold = gold_of(SEED_002)["fields"]
    for fid in filled:  # what the model filled passed the identities; what it got wrong is in review
        assert report.get(fid).value == gold[fid] or fid in report.review, fid


@pytest.mark.vcr
def test_an_injected_table_answer_that_breaks_an_identity_is_reasked():
    rows = {
        "granted": [18, 0, 0, 0, 0, 0, 18],
        "partially_granted": [2, 0, 0, 0, 0, 0, 4],
    }  # R3 broken, numbers printed
    client, transport = llm(faults.when(is_table_request, faults.answer(json.dumps(rows))))
    report = extract(lost_label(), name="lost_label.txt", llm=client)
    tables = table_requests(transport)
    assert len(tables) == 2 and "R3[partially_granted] does not hold" in tables[1]  # re-asked with the error
    assert report.get("applications.partially_granted.total").value != 4
    assert_no_silent_errors(report, SEED_002)
    assert_table_values_grounded(report, lost_label())
