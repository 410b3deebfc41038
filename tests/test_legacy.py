"""Pre-2019 statistics tables (rules/legacy.py): read as tables, checked against the prose (R7)."""

from __future__ import annotations

from extractor import extract_text
from extractor.core.normalize import normalize
from extractor.rules.legacy import read_legacy_table
from tests.conftest import CORPUS

LEGACY = (CORPUS / "seeds" / "004_d41cb1e17d5f5455.txt").read_text("utf-8")  # prose: no application, no dispute

NATIONAL = """
附表：政府信息公开情况统计表
| 统计指标 | 单位 | 统计数 |
| 一、主动公开情况 | | |
| （一）主动公开政府信息数 | 条 | 2901 |
| 三、依申请公开情况 | | |
| （一）收到申请数 | 件 | 0 |
| 其中：1.当面申请数 | 件 | 2 |
| （二）申请办结数 | 件 | 3 |
| 四、行政复议数量 | 件 | 0 |
| 五、行政诉讼数量 | 件 | 1 |
| 七、依申请公开信息收取的费用 | 万元 | 0.02 |
"""


def facts(text: str) -> dict[str, int | float | None]:
    return {fid: v.value for fid, v in read_legacy_table(normalize(text)).values.items()}


def test_the_national_table_gives_this_years_figures_in_the_schemas_units() -> None:
    assert facts(NATIONAL) == {
        "narrative.applications_received": 0,  # not the 2 of its 其中 sub-row
        "narrative.applications_completed": 3,
        "narrative.reconsideration_total": 0,
        "narrative.litigation_total": 1,
        "narrative.fee_amount": 200,  # 0.02 万元, in 元
    }


def test_the_early_local_table_reads_the_year_column_not_the_running_total() -> None:
    early = (
        "| 指标名称 | 计量单位 | 历年累计 | 本年 |\n"
        "| 受理依申请公开信息总数 | 件 | 120 | 25 |\n"
        "| 行政复议数 | 件 | 4 | 1 |\n"
    )
    assert facts(early) == {"narrative.applications_received": 25, "narrative.reconsideration_total": 1}


def test_a_text_export_with_cells_apart_by_tabs() -> None:
    export = "指标名称\t计量单位\t本年\t历年累计\n申请总数\t件\t7\t30\n行政诉讼数\t件\t0\t2\n"
    assert facts(export) == {"narrative.applications_received": 7, "narrative.litigation_total": 0}


def test_rows_that_are_not_the_fact_are_not_read() -> None:
    other = "| 其中：当面申请数 | 件 | 5 |\n| 行政复议数 | 人 | 3 |\n| 收到申请数 | 件 | 多件 |\n"
    assert facts(other) == {}


def test_table_and_prose_agree_or_go_to_review_with_both() -> None:
    record = extract_text(LEGACY + NATIONAL)
    assert record.meta.format.value == "legacy"
    received = record.narrative.applications_received
    assert received.value == 0 and received.source == "table_cell" and not received.review
    assert len(received.evidence) == 2  # the cell and the sentence that says the same
    litigation = record.narrative.litigation_total  # the table says 1, the prose none
    assert litigation.value == 1 and litigation.review == ["R7: the statistics table gives 1, the prose 0"]
    assert "narrative.litigation_total" in record.review
    cell = record.applications.new_received.total  # the legacy cell the figure stands for
    assert cell.value == 0 and "statistics table" in cell.review[-1]


# The 2008–2013 statistics form prints a row code (代码 01 …) before this year's figure.
CODED_ROWS = """
| 主动公开信息数 | 条 | 01 | 120 | 900 |
| 新增的行政规范性文件数 | 条 | 03 | 4 | 30 |
| 申请总数 | 条 | 10 | 25 | 180 |
| 其中：1.当面申请数 | 条 | 11 | 5 | 40 |
| 行政复议数 | 件 | 32 | 1 | 3 |
| 行政诉讼数 | 件 | 33 | 0 | 2 |
"""
CODED_FACTS = {
    "narrative.applications_received": 25,
    "narrative.reconsideration_total": 1,
    "narrative.litigation_total": 0,
}


def test_row_codes_are_never_read_as_figures_with_or_without_the_header() -> None:
    assert facts("| 指标名称 | 计量单位 | 代码 | 本期实际 | 本年累计 |" + CODED_ROWS) == CODED_FACTS
    assert facts(CODED_ROWS) == CODED_FACTS  # the header lost (an image, a page before)


def test_figures_that_merely_rise_are_not_taken_for_codes() -> None:
    rows = "| 收到申请数 | 件 | 12 |\n| 申请办结数 | 件 | 15 |\n| 行政复议数量 | 件 | 20 | 21 |\n| 行政诉讼数量 | 件 | 33 |"
    assert facts(rows)["narrative.applications_received"] == 12
    assert facts(rows)["narrative.reconsideration_total"] == 20
