"""Line breaks put back into a report saved as one line: headings, row labels and Markdown rules
start lines again, one character for one, and text that kept its lines is left alone."""

from __future__ import annotations

import re
import subprocess
import sys

from extractor import extract
from extractor.core.normalize import normalize
from extractor.rules.linebreaks import line_breaks, lost
from tests.conftest import corpus_reports

PROSE = "本机关认真贯彻落实条例要求，持续推进政务公开工作，" * 40


def one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def test_text_that_kept_its_lines_is_left_alone() -> None:
    for path in corpus_reports():
        if path.suffix in (".txt", ".md"):
            text = path.read_text("utf-8")
            assert not lost(text) and line_breaks(text) == [], path.name


def test_breaks_are_made_only_of_whitespace_so_offsets_hold() -> None:
    text = one_line(
        f"一、总体情况\n{PROSE}\n二、主动公开政府信息情况\n规章 | 6 | 6 | 18 |\n五、存在的主要问题及改进情况\n无。"
    )
    points = line_breaks(text)
    assert points and all(text[p].isspace() for p in points)
    norm = normalize(text, line_breaks)
    lines = norm.text.split("\n")
    assert "一、总体情况" in lines and "二、主动公开政府信息情况" in lines
    assert any(line.startswith("规章") for line in lines)
    at = norm.text.index("规章")
    s, e = norm.source_span(at, at + 2)
    assert text[s:e] == "规章"


def test_a_label_inside_a_sentence_stays_in_its_sentence() -> None:
    sentence = "全年共收到申请20件，其中予以公开18件，部分公开2件。"
    text = one_line(f"一、总体情况\n{PROSE}\n三、收到和处理政府信息公开申请情况\n{sentence}\n{PROSE}")
    assert sentence.replace("，", ",") in normalize(text, line_breaks).text  # no break inside it


def test_a_one_line_report_reads_like_its_original() -> None:
    original = next(p for p in corpus_reports() if p.name.startswith("002_"))
    text = original.read_text("utf-8")
    flat, flat_one = extract(original).flat(), extract(text=one_line(text), name="one-line.txt").flat()
    same = [f for f, v in flat["values"].items() if flat_one["values"].get(f) == v]
    differ = [f for f in flat["values"] if f not in same]
    assert len(same) >= 0.9 * len(flat["values"])
    assert all(f in flat_one["review"] for f in differ)  # what differs is in review, never silent


def test_a_megabyte_line_of_repeated_row_labels_does_not_hang(tmp_path) -> None:
    """A hostile page: one 1 MB line made of 表三's first row over and over. Restoring its lines is
    linear (a quadratic look-back once took 20 s here); the guard is a hang limit, not a benchmark."""
    page = tmp_path / "hostile.txt"
    page.write_text(("一、本年新收政府信息公开申请数量 | 1 | 2 | " * 30000)[:1_000_000], "utf-8")
    code = "import sys; from extractor import extract; extract(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, str(page)], check=True, timeout=60, capture_output=True)


def test_two_rows_of_numbers_glued_on_one_line_are_split_where_the_counts_match() -> None:
    from extractor.rules.linebreaks import line_breaks

    prose = "本机关认真贯彻落实政府信息公开条例的各项要求，" * 40  # a page that lost its line breaks
    glued = "| （一）予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 | | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    blank = "| 本年新收政府信息公开申请数量 | 5 | | 3 | 4 | 0 | 0 | 12 |"  # a blank cell, not two rows
    text = f"{prose} {glued} {blank}"
    breaks = line_breaks(text)
    gap = text.index("| | 0") + 1
    assert gap in breaks
    inside = text.index("| 5 | | 3") + len("| 5 |")
    assert inside not in breaks
    lines = "".join("\n" if i in set(breaks) else c for i, c in enumerate(text)).split("\n")
    assert "| 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in lines


MD_TABLE = """| 信息内容 | 自然人 | 商业企业 | 总计 |  |
|---|---|---|---|---|
| 1.属于国家秘密 | 4 | 0 | 4 |  |
| （三）不 | 2.其他法律行政法规禁止公开 | 1 | 0 | 1 |
| 予公开 | 3.危及“三安全一稳定” | 0 | 2 | 2 |
| 4.保护第三方合法权益 | 0 | 0 | 0 |  |"""


def test_a_flattened_markdown_table_splits_every_delimiter_width_cells() -> None:
    """Each row of a Markdown table has as many cells as its delimiter row, blank cells included: a
    blank last cell, or a group label before a row label, stays in its row whatever the labels say."""
    text = one_line(f"一、总体情况\n{PROSE}\n三、收到和处理政府信息公开申请情况\n{MD_TABLE}\n四、行政复议\n{PROSE}")
    restored = normalize(text, line_breaks).text.split("\n")
    for row in MD_TABLE.split("\n"):
        assert normalize(row).text in restored, row


def test_a_markdown_row_scan_stops_at_the_next_delimiter_row() -> None:
    """A row may not run across the next table's delimiter row, however the widths differ."""
    first = "| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |"
    second = "| d | e |\n|---|---|\n| 4 | 5 |"
    text = one_line(f"一、总体情况\n{PROSE}\n{first}\n{second}")
    lines = normalize(text, line_breaks).text.split("\n")
    assert {"| 1 | 2 | 3 |", "| d | e |", "|---|---|", "| 4 | 5 |"} <= set(lines)


def test_a_caption_and_an_inline_page_footer_end_their_lines() -> None:
    """表二's caption is a header row of its own; a page footer between two spaces was a line of its
    own, and normalisation drops it as furniture instead of reading its page number as a cell."""
    text = one_line(
        f"一、总体情况\n{PROSE}\n二、主动公开政府信息情况\n第二十条第（八）项\n信息内容 本年收费金额（单位：万元）\n"
        f"行政事业性收费 0\n— 4 —\n三、收到和处理政府信息公开申请情况\n{PROSE}"
    )
    lines = normalize(text, line_breaks).text.split("\n")
    assert "第二十条第(八)项" in lines
    assert "行政事业性收费0" in lines and not any("— 4" in line or "4 —" in line for line in lines)


def test_labelled_pipe_rows_of_a_one_line_report_are_not_doubted_for_the_lost_breaks() -> None:
    """A row whose label sits between the pipes, or that prints one cell per column right after its
    label, keeps its cells whatever breaks were restored."""
    from extractor.rules.reconcile import RESTORED_DOUBT

    original = next(p for p in corpus_reports() if p.name.startswith("sh_office_2025"))
    report = extract(text=one_line(original.read_text("utf-8")), name="one-line.md")
    other = report.get("applications.other_other.total")  # "| 3.其他 | 264 | … | 276 |", no identity across rows
    assert other is not None and other.value == 276 and RESTORED_DOUBT not in other.review
    fee = report.get("active.fees.amount")  # "行政事业性收费 0": a label and its one number, no pipes
    assert fee is not None and fee.value == 0 and RESTORED_DOUBT not in fee.review


def test_a_page_footer_between_markdown_rows_does_not_end_the_table() -> None:
    """A footer printed between a row and its delimiter row, or between two rows, was a line of its own:
    the rows around it still split every delimiter-width cells."""
    table = MD_TABLE.split("\n")
    with_footers = "\n".join([table[0], "第 5 页 共 9 页", table[1], table[2], "— 6 —", *table[3:]])
    text = one_line(f"一、总体情况\n{PROSE}\n三、收到和处理政府信息公开申请情况\n{with_footers}\n四、行政复议\n{PROSE}")
    restored = normalize(text, line_breaks).text.split("\n")
    for row in table:
        assert normalize(row).text in restored, row
