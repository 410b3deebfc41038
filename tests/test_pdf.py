"""PDF reports: renderings of the whole corpus read as well as their text; page numbers in evidence."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from extractor import extract
from extractor.read.load import InputError, load_bytes, load_path
from extractor.results.evaluate import score
from tests.conftest import corpus_reports, gold_of
from tests.documents import blocks_of, to_pdf


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    return {p.name: to_pdf(blocks_of(p), out / f"{p.stem}.pdf") for p in corpus_reports()}


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_pdf_rendering_reads_as_well_as_the_text(path: Path, rendered: dict[str, Path]) -> None:
    gold = gold_of(path)
    as_text = score(extract(path).flat(), gold).total
    as_pdf = score(extract(rendered[path.name]).flat(), gold)
    assert as_pdf.total.silent == 0, as_pdf.wrong
    assert as_pdf.total.exact >= as_text.exact, as_pdf.wrong


def test_evidence_names_the_page_and_tables_follow_across_pages(rendered: dict[str, Path]) -> None:
    path = rendered["shuyang_fgj_2023.html"]
    doc = load_path(path)
    assert doc.kind == "pdf" and len(doc.pages) > 2
    pages_of_table = set()
    for fid, v in extract(path).fields():
        for ev in v.evidence:
            assert ev.page is not None, fid
            start = doc.pages[ev.page - 1]
            end = doc.pages[ev.page] if ev.page < len(doc.pages) else len(doc.text)
            assert start <= ev.source_start < end, fid  # the evidence lies on the page it names
            if fid.startswith("applications."):
                pages_of_table.add(ev.page)
    # 表三 runs over a page break (with "- N -" below it) and is still read whole.
    assert len(pages_of_table) >= 2
    assert "- 2 -" not in doc.text


def test_table_cells_carry_their_position(rendered: dict[str, Path]) -> None:
    path = rendered["sh_office_2019.txt"]
    doc = load_path(path)
    cells = [(fid, v) for fid, v in extract(path).fields() if v.source == "table_cell"]
    assert cells
    for fid, v in cells:
        ev = v.evidence[0]
        assert ev.path and ev.path.startswith(f"/page[{ev.page}]/table["), fid
        assert doc.text[ev.source_start : ev.source_end] == v.raw, fid


def test_wrapped_lines_are_joined_and_headings_kept_apart(rendered: dict[str, Path]) -> None:
    text = load_path(rendered["shuyang_fgj_2023.html"]).text
    # A long paragraph the PDF wrapped over several lines is one line again ...
    assert any(len(line) > 150 and "政府信息公开" in line for line in text.split("\n"))
    # ... and a numbered heading never runs on from the line before it.
    assert "\n二、主动公开政府信息情况\n" in text


@pytest.mark.parametrize("name", ["shuyang_fgj_2023.html", "sh_office_2019.txt", "000_33ae8ea1c32d037b.txt"])
def test_tables_without_rules_never_give_silent_errors(name: str, tmp_path: Path) -> None:
    path = next(p for p in corpus_reports() if p.name == name)
    pdf = to_pdf(blocks_of(path), tmp_path / "unruled.pdf", ruled=False)
    s = score(extract(pdf).flat(), gold_of(path))
    assert s.total.silent == 0, s.wrong


def _pdf_without_text() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 500, fill=1)  # a scanned page: pictures, no text layer
    c.showPage()
    c.save()
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner"))
    c.drawString(100, 100, "report")
    c.save()
    return buf.getvalue()


def test_scanned_pdf_is_reported_as_needing_ocr() -> None:
    with pytest.raises(InputError, match="OCR"):
        load_bytes(_pdf_without_text(), "scan.pdf")


def test_encrypted_pdf_names_the_problem() -> None:
    with pytest.raises(InputError, match="encrypted"):
        load_bytes(_encrypted_pdf(), "locked.pdf")


def test_truncated_pdf_fails_clearly_or_reads_what_is_there(rendered: dict[str, Path]) -> None:
    data = rendered["000_33ae8ea1c32d037b.txt"].read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 200):
        try:
            doc = load_bytes(data[:cut], "cut.pdf")
        except InputError as e:
            assert "PDF" in str(e)
        else:
            assert doc.kind == "pdf" and doc.text
