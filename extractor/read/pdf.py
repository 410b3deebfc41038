"""Read a PDF's text layer (pdfplumber) as the report's text: paragraphs as lines, tables as `|` rows.

Tables are found from their ruling lines. Text outside them is read line by line: lines wrapped at
the right margin are joined back into their sentence, page numbers in the margins are dropped, and a
line whose words stand in columns far apart (a table printed without rules) becomes a `|` row. A
table continuing on the next page simply continues: its rows follow each other in the text with the
page furniture between them dropped. Every page's start offset is kept for the evidence.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from itertools import pairwise
from statistics import median
from typing import Any

import pdfplumber
import pypdfium2
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from extractor.core.errors import InputError
from extractor.read import ocr
from extractor.read.render import Rendered, TextWriter, page_number, starts_paragraph

# pdfminer logs each damage it works around ("MediaBox missing…") as a warning on stderr; the reader
# says in one error line what it could not read, so those go unsaid.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_PAGES = 300  # the longest real reports run to a few dozen pages
_COLUMN_GAP = 2.0  # a gap of this many character widths separates two columns of a table without rules


def render_pdf(data: bytes) -> Rendered:
    if (pages := page_count(data)) is not None and pages > MAX_PAGES:
        raise InputError(f"PDF of {pages} pages, more than a report has (limit {MAX_PAGES})")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as e:  # pdfplumber wraps what pdfminer raised
        if isinstance(e.args[0] if e.args else None, PDFPasswordIncorrect):
            raise InputError("encrypted PDF; it needs its password removed first") from None
        raise InputError("PDF that cannot be parsed (damaged or truncated)") from None
    except (MalformedPDFException, PDFSyntaxError, ValueError, KeyError, TypeError, AssertionError):
        raise InputError("PDF that cannot be parsed (damaged or truncated)") from None
    try:
        return _render_document(pdf, data)
    finally:
        # Closing walks the pages again: a damaged page tree raises there too, and must not replace
        # the one clear error already raised.
        with contextlib.suppress(Exception):
            pdf.close()


def _render_document(pdf: pdfplumber.PDF, data: bytes) -> Rendered:
    try:
        pages = pdf.pages
    except Exception:  # pdfminer raises many types on a damaged page tree; all mean the same here
        raise InputError("PDF that cannot be parsed (damaged or truncated)") from None
    if len(pages) > MAX_PAGES:
        raise InputError(f"PDF of {len(pages)} pages, more than a report has (limit {MAX_PAGES})")
    writer, chars, images = TextWriter(), 0, Images(data)
    try:
        for page in pages:
            try:
                chars += len(page.chars)
                _render_page(page, writer, images)
            except InputError:
                raise
            except Exception as e:  # as above: a damaged page, whatever pdfminer calls it
                raise InputError(f"PDF page {page.page_number} cannot be read ({type(e).__name__})") from None
            finally:
                page.close()  # pdfplumber caches each page's objects; a long PDF would pile them up
    finally:
        images.close()
    if chars == 0 and not images.read:
        if ocr.available():
            raise InputError("PDF without text: no text layer, and no page image for OCR to read")
        raise InputError(f"PDF without a text layer (scanned pages); {ocr.NEEDS_EXTRA}")
    return writer.result()


class Images:
    """The PDF's pages as images, for OCR: rendered by PDFium, opened once and only when needed."""

    def __init__(self, data: bytes) -> None:
        self.data, self.doc, self.read = data, None, 0

    def render(self, number: int, bbox: tuple[float, float, float, float] | None = None, dpi: int = ocr.DPI) -> Any:
        """Page `number` (1-based) at `dpi`; `bbox` (x0, top, x1, bottom in points) crops it."""
        if self.doc is None:
            self.doc = pypdfium2.PdfDocument(self.data)
        page = self.doc[number - 1]
        try:
            crop = (0.0, 0.0, 0.0, 0.0)
            if bbox is not None:
                width, height = page.get_size()
                crop = (bbox[0], height - bbox[3], width - bbox[2], bbox[1])
            return page.render(scale=dpi / 72, crop=crop).to_pil()
        finally:
            page.close()

    def close(self) -> None:
        if self.doc is not None:
            self.doc.close()


def page_count(data: bytes) -> int | None:
    """The number of pages, from PDFium (C, quick even on thousands of pages): checked before
    pdfminer lays out any page. None when PDFium cannot open it (pdfplumber then says why)."""
    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        return len(doc)
    finally:
        doc.close()


def _render_page(page: Any, writer: TextWriter, images: Images) -> None:
    writer.new_page(page.page_number)
    if not page.chars:
        if page.images and ocr.available():  # a scanned page: the whole page is a picture
            images.read += 1
            dpi = _scan_dpi(page)
            place = ocr.Place(f"/page[{page.page_number}]", 72 / dpi)
            ocr.read_page(images.render(page.page_number, dpi=dpi), place, writer)
        return
    tables = page.find_tables()  # pdfplumber's default: cells from the ruling lines
    blocks: list[tuple[float, str, Any]] = [(t.bbox[1], "table", (k, t)) for k, t in enumerate(tables, 1)]
    pictures = [im for im in page.images if _picture_of_text(im, page)]
    blocks += [(im["top"], "image", im) for im in pictures]
    body = page.filter(lambda obj: not any(_inside(obj, t.bbox) for t in tables)) if tables else page
    lines = [ln for ln in body.extract_text_lines(return_chars=True) if not _furniture(ln, page.height)]
    blocks += [(ln["top"], "line", ln) for ln in lines]
    # Margins are taken as symmetric: on a page of short lines the longest is not at the margin.
    right = page.width - min((ln["x0"] for ln in lines), default=0)
    blocks.sort(key=lambda b: b[0])
    for k, (_, kind, obj) in enumerate(blocks):
        if kind == "image":
            images.read += 1
            box = (obj["x0"], obj["top"], obj["x1"], obj["bottom"])
            place = ocr.Place(f"/page[{page.page_number}]", 72 / ocr.DPI, box[0], box[1])
            ocr.read_page(images.render(page.page_number, box), place, writer)
            continue
        if kind == "table":
            _write_table(obj[1], writer, f"/page[{page.page_number}]/table[{obj[0]}]")
            continue
        cells = _columns(obj)
        if len(cells) >= 3 and any(c.replace(",", "").replace(".", "").isdigit() for c in cells):
            writer.row([(c, None) for c in cells])
            continue
        writer.text(obj["text"])
        following = blocks[k + 1] if k + 1 < len(blocks) else None
        ends = not (following and following[1] == "line" and _wrapped(obj, right))
        if ends or starts_paragraph(following[2]["text"]):
            writer.text("\n")
        elif obj["text"][-1:].isascii() and following[2]["text"][:1].isascii():
            writer.text(" ")  # a Latin word broken at the margin; CJK text joins without a blank


def _scan_dpi(page: Any) -> int:
    """The resolution the page was scanned at, read off its largest picture: rendering at it keeps
    the scan's own pixels (resampled, a 150 dpi scan's zeros blur into D and 。). Kept between 100
    and 300 dpi; ocr.DPI when the picture says nothing."""
    largest = max(page.images, key=lambda im: (im["x1"] - im["x0"]) * (im["bottom"] - im["top"]))
    width = largest["x1"] - largest["x0"]
    src = largest.get("srcsize") or (0, 0)
    if width <= 0 or not src[0]:
        return ocr.DPI
    return int(min(max(src[0] / width * 72, 100), 300))


def _picture_of_text(image: dict[str, Any], page: Any) -> bool:
    """An image large enough to be a table or a page pasted as a picture (not a logo or a seal), on a
    page that has a text layer: read by OCR where it stands, when the OCR extra is installed."""
    area = (image["x1"] - image["x0"]) * (image["bottom"] - image["top"])
    if area < 0.15 * page.width * page.height or not ocr.available():
        return False
    box = (image["x0"], image["top"], image["x1"], image["bottom"])
    return not any(_inside(c, box) for c in page.chars)  # a searchable scan already has its text layer


def _inside(obj: dict[str, Any], bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def _furniture(line: dict[str, Any], height: float) -> bool:
    return page_number(line["text"], line["top"], line["bottom"], height)


def _char_width(line: dict[str, Any]) -> float:
    return median(c["x1"] - c["x0"] for c in line["chars"]) if line["chars"] else 10.0


def _wrapped(line: dict[str, Any], right: float) -> bool:
    """Does the line run to the right margin, so that its sentence goes on in the next line?"""
    return line["x1"] >= right - 1.5 * _char_width(line)


def _columns(line: dict[str, Any]) -> list[str]:
    """The line cut where its characters stand far apart: the cells of a table printed without rules."""
    chars = [c for c in line["chars"] if c["text"].strip()]
    if not chars:
        return []
    gap = _COLUMN_GAP * _char_width(line)
    cells, current = [], [chars[0]["text"]]
    for prev, ch in pairwise(chars):
        if ch["x0"] - prev["x1"] > gap:
            cells.append("".join(current))
            current = []
        current.append(ch["text"])
    cells.append("".join(current))
    return cells


def _write_table(table: Any, writer: TextWriter, prefix: str) -> None:
    """Write the table on its grid: a cell merged down stands on every row, one merged across once."""
    texts = {}
    for row, extracted in zip(table.rows, table.extract(), strict=True):
        for bbox, text in zip(row.cells, extracted, strict=True):
            if bbox is not None:
                texts[bbox] = _cell_text(text)
    columns = [c.bbox for c in table.columns]
    for i, row in enumerate(table.rows):
        cells: list[tuple[str, str | None]] = []
        for j, bbox in enumerate(row.cells):
            path = f"{prefix}/tr[{i + 1}]/td[{j + 1}]"
            if bbox is not None:
                cells.append((texts[bbox], path))
                continue
            slot = (columns[j][0], row.bbox[1], columns[j][2], row.bbox[3])
            above = _covering(texts, slot)
            if above is not None and above[1] < row.bbox[1] - 0.5:
                cells.append((texts[above], path))  # merged down from a row above: a group label
        writer.row(cells)


def _covering(
    cells: dict[tuple[float, float, float, float], str], slot: tuple[float, float, float, float]
) -> tuple[float, float, float, float] | None:
    cx, cy = (slot[0] + slot[2]) / 2, (slot[1] + slot[3]) / 2
    return next((b for b in cells if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]), None)


def _cell_text(text: str | None) -> str:
    """A cell's text with the lines it wrapped into joined: CJK without a blank, Latin words with one."""
    if not text:
        return ""
    return re.sub(r"(?<=[\x21-\x7e])\n(?=[\x21-\x7e])", " ", text).replace("\n", "")
