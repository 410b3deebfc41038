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
