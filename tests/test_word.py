"""Word reports: renderings of the whole corpus read as well as their text; merged cells on their grid."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from extractor import extract
from extractor.read.load import InputError, load_bytes, load_path
from extractor.read.word import render_docx
from extractor.results.evaluate import score
from tests.conftest import corpus_reports, gold_of
from tests.documents import blocks_of, to_docx


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_word_rendering_reads_as_well_as_the_text(path: Path, tmp_path: Path) -> None:
    gold = gold_of(path)
    as_text = score(extract(path).flat(), gold).total
    as_word = score(extract(to_docx(blocks_of(path), tmp_path / f"{path.stem}.docx")).flat(), gold)
    assert as_word.total.silent == 0, as_word.wrong
    assert as_word.total.exact >= as_text.exact, as_word.wrong


def _merged_table() -> bytes:
    document = docx.Document()
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=3, cols=4)
    for i, row in enumerate([["申请人情况", "", "自然人", "总计"], ["三、本年度办理结果", "（一）予以公开", "5", "5"]]):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    table.cell(2, 1).text, table.cell(2, 2).text, table.cell(2, 3).text = "（二）部分公开", "1", "1"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "申请人情况"  # across two columns
    table.cell(1, 0).merge(table.cell(2, 0)).text = "三、本年度办理结果"  # down two rows
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_merged_cells_stand_on_their_grid() -> None:
    rendered = render_docx(_merged_table())
    lines = rendered.text.split("\n")
    assert lines == [
        "三、收到和处理政府信息公开申请情况",
        "| 申请人情况 | 自然人 | 总计 |",  # merged across: once
        "| 三、本年度办理结果 | （一）予以公开 | 5 | 5 |",
        "| 三、本年度办理结果 | （二）部分公开 | 1 | 1 |",  # merged down: on every row it covers
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    paths = [a.path for a in rendered.anchors]
    assert paths[0] == "/w:body/w:tbl[1]/w:tr[1]/col[1]" and paths[-1] == "/w:body/w:tbl[1]/w:tr[3]/col[4]"


def test_table_values_name_their_cell(tmp_path: Path) -> None:
    path = next(p for p in corpus_reports() if p.name == "shuyang_fgj_2023.html")
    target = to_docx(blocks_of(path), tmp_path / "r.docx")
    doc = load_path(target)
    cells = [(fid, v) for fid, v in extract(target).fields() if v.source == "table_cell"]
    assert cells
    for fid, v in cells:
        ev = v.evidence[0]
        assert ev.path and ev.path.startswith("/w:body/w:tbl["), fid
        assert doc.text[ev.source_start : ev.source_end] == v.raw, fid


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_zip({"a.txt": b"hello"}), "not a Word"),
        (_zip({"word/document.xml": b"<not xml"}), "Word"),
        (b"PK\x03\x04" + b"\x00" * 100, "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, r"\.doc"),
    ],
)
def test_bad_word_files_get_one_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_bytes(data, "bad.docx")
