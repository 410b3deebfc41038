"""Render corpus reports as Word (python-docx) and PDF (reportlab) files, as agencies publish them.

A report's text (HTML first laid out by the loader) becomes blocks: each run of `| a | b |` lines a
table, every other line a paragraph. Tables get the merges official layouts print: a label repeated
down the first column becomes one cell merged down, and a row with fewer cells than the table is wide
has its first cell merged across. Paragraphs wrap at the margin and pages carry page numbers, so the
readers must join wrapped lines, drop page furniture and follow tables across pages.

Used by tests/test_pdf.py, tests/test_word.py and benchmarks/batch.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from extractor.read.load import load_path

FONT = "STSong-Light"  # one of reportlab's built-in Adobe CJK fonts: no font file needed
MAX_MERGE = 8  # rows a merged label may span


@dataclass
class Grid:
    rows: list[list[str]]
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row, col, last row, last col)

    @property
    def width(self) -> int:
        return max(len(r) for r in self.rows)


Block = str | Grid
_SEPARATOR = re.compile(r"^\|(\s*:?-{2,}:?\s*\|)+$")


def blocks_of(path: Path) -> list[Block]:
    return blocks_of_text(load_path(path).text)


def blocks_of_text(text: str) -> list[Block]:
    """Blocks of a report's text as the loader renders it (HTML already laid out as lines and rows)."""
    out: list[Block] = []
    run: list[str] = []
    for line in [*text.split("\n"), ""]:
        s = line.strip()
        if _SEPARATOR.match(s):
            continue
        if len(s) > 2 and s.startswith("|") and s.endswith("|"):
            run.append(s)
            continue
        rows = [[c.strip() for c in r[1:-1].split("|")] for r in run]
        if len(rows) > 1 and any(any(r) for r in rows):
            out.append(_grid(rows))
        else:
            out += run  # a lone `|` line is text, not a table
        run = []
        if s:
            out.append(s)
    return out


def _grid(rows: list[list[str]]) -> Grid:
    width = max(len(r) for r in rows)
    grid = Grid([r + [""] * (width - len(r)) for r in rows])
    for i, r in enumerate(rows):
        if len(r) < width:  # the row's label spans the columns it lacks
            grid.rows[i] = [r[0]] + [""] * (width - len(r)) + r[1:]
            grid.spans.append((i, 0, i, width - len(r)))
    start = 0
    for i in range(1, len(rows) + 1):  # a group label repeated down the first column: one merged cell
        same = i < len(rows) and rows[i][0] and rows[i][0] == rows[start][0] and _unspanned(grid, i, start)
        if not same or i - start == MAX_MERGE:  # a merge must fit on a page; Word splits longer ones too
            if i - start > 1:
                for k in range(start + 1, i):
                    grid.rows[k][0] = ""
                grid.spans.append((start, 0, i - 1, 0))
            start = i
    return grid


def _unspanned(grid: Grid, *rows: int) -> bool:
    return not any(s[0] in rows and s[1] == 0 for s in grid.spans)


def to_docx(blocks: list[Block], target: Path) -> Path:
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        table = document.add_table(rows=len(block.rows), cols=block.width)
        table.style = "Table Grid"
        for row, texts in zip(table.rows, block.rows, strict=True):  # table.cell(i, j) rescans the table
            for cell, text in zip(row.cells, texts, strict=True):
                if text:
                    cell.text = text
        for r0, c0, r1, c1 in block.spans:
            text = block.rows[r0][c0]
            merged = table.cell(r0, c0).merge(table.cell(r1, c1))
            merged.text = text  # merge() concatenates the cells' paragraphs; keep the label once
    buf = io.BytesIO()
    document.save(buf)
    target.write_bytes(_stamped(buf.getvalue()))
    return target


def _stamped(docx: bytes) -> bytes:
    """The package with every member dated 1980-01-01: python-docx stamps the save time, and the same
    report must give the same bytes (the fuzz replay finds its inputs by the random stream they drive)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), src.read(info), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def to_pdf(blocks: list[Block], target: Path, ruled: bool = True) -> Path:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    small = ParagraphStyle("cell", fontName=FONT, fontSize=7, leading=9, wordWrap="CJK")
    page = landscape(A4)  # wide enough for 表三's nine columns without every label wrapping
    frame_width = page[0] - 144

    def page_number(canvas, doc) -> None:
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(page[0] / 2, 30, f"- {doc.page} -")

    story = []
    for block in blocks:
        if isinstance(block, str):
            story.append(Paragraph(_escape(block), body))
            continue
        label = frame_width * (0.3 if block.width > 3 else 0.5)
        widths = [label] + [(frame_width - label) / (block.width - 1)] * (block.width - 1)
        style = [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in block.spans]
        style += [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        if ruled:
            style.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
        data = [[Paragraph(_escape(c), small) for c in row] for row in block.rows]
        story.append(Table(data, colWidths=widths, style=TableStyle(style), splitByRow=True))
    SimpleDocTemplate(str(target), pagesize=page, invariant=True).build(
        story, onFirstPage=page_number, onLaterPages=page_number
    )
    return target


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
