"""Tables are found by what they print: a heading with a typo, or none at all, does not lose a table."""

from __future__ import annotations

import re

import pytest

from extractor import extract
from tests.conftest import CORPUS

SEED = CORPUS / "seeds" / "001_3c78160da86addac.txt"  # 2019 format, all three tables


def values(text: str) -> dict:
    return extract(text=text, name="x.txt").flat()["values"]


@pytest.mark.parametrize(
    ("heading", "damaged"),
    [
        ("四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政法诉讼情况"),
        ("四、政府信息公开行政复议、行政诉讼情况", ""),  # no heading at all
        ("三、收到和处理政府信息公开申请情况", "三、收到和处理政府信息申请公开情况"),
        ("二、主动公开政府信息情况", "二、主动公示信息情况"),
    ],
)
def test_a_table_whose_heading_is_damaged_or_missing_is_still_read(heading: str, damaged: str) -> None:
    text = SEED.read_text("utf-8")
    assert heading in text
    original, read = values(text), values(text.replace(heading, damaged))
    table = {"四": "disputes.", "三": "applications.", "二": "active."}[heading[0]]
    cells = {f: v for f, v in original.items() if f.startswith(table)}
    assert cells and {f: read.get(f) for f in cells} == cells


def test_a_report_without_any_section_heading_keeps_its_tables() -> None:
    headings = r"(?m)^[一二三四五六]、(?:总体情况|主动公开|收到和处理|政府信息公开行政复议|存在|其他需要)[^\n]*\n"
    text = re.sub(headings, "", SEED.read_text("utf-8"))
    assert "本年新收政府信息公开申请数量" in text and "主动公开政府信息情况" not in text
    original, read = values(SEED.read_text("utf-8")), values(text)
    for table in ("active.", "applications.", "disputes."):
        cells = {f: v for f, v in original.items() if f.startswith(table)}
        assert {f: read.get(f) for f in cells} == cells, table
