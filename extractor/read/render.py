"""Write a structured document (HTML, PDF, Word) as the report's text, keeping where every cell landed.

Every input format ends up as the same text the parsers read: one line per paragraph and one
`| a | b | c |` line per table row. The writer remembers each table cell's offsets in that text
(with the element path and the page it came from) and where each page starts, so evidence found in
the text can point back into the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SPACES = re.compile(r"[ \t\r\n\u00a0\u3000]+")

# Laying out a page (pdf.py from its text layer, ocr.py from its picture): what is page furniture and
# what starts a paragraph.
_MARGIN = 0.08  # share of the page height at the top and bottom where headers and page numbers sit
_PAGE_NUMBER = re.compile(r"^[-—–_·\s]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／共]\s*\d{1,4}\s*页?)?[-—–_·\s]*$")
_HEADING = re.compile(
    r"^\s*([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[章节部分])"
)


def page_number(text: str, top: float, bottom: float, height: float) -> bool:
    """A page number in the top or bottom margin of a page `height` high."""
    in_margin = bottom < height * _MARGIN or top > height * (1 - _MARGIN)
    return in_margin and bool(_PAGE_NUMBER.match(text))


def starts_paragraph(text: str) -> bool:
    """A numbered heading starts a new paragraph, even after a line that filled the width."""
    return bool(_HEADING.match(text))


@dataclass(frozen=True)
class Anchor:
    """Where a table cell landed in the rendered text, and where it sits in the original file."""

    start: int  # the slot between the cell's two pipes, padding included
    end: int
    path: str | None  # HTML: XPath of the td/th; Word: path of the w:tc; PDF: /page[n]/table[k]/tr[i]/td[j]
    page: int | None = None  # PDF: 1-based page number
    confidence: float | None = None  # OCR: the recogniser's confidence in the text; None for printed text
    cell: bool = True  # False: a recognised line of running text (OCR), not a table cell of its own
    seen: str | None = None  # OCR: what the recogniser printed, when the text is its look-alike digits ("D" as 0)


@dataclass(frozen=True)
class Rendered:
    text: str
    anchors: tuple[Anchor, ...] = ()
    pages: tuple[int, ...] = ()  # PDF: offset in `text` where each page starts (page 1 first)


class TextWriter:
    """Collects the rendered lines; blanks inside a line collapse, empty lines are dropped."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.anchors: list[Anchor] = []
        self.pages: list[int] = []
        self.page: int | None = None
        self.size = 0  # length of "\n".join(self.lines)
        self.pending: list[str] = []
        self.marks: list[tuple[int, str, float]] = []  # OCR boxes in `pending`: (index, path, confidence)

    def text(self, s: str) -> None:
        """Running text; a "\\n" in it ends a line."""
        self.pending.append(s)

    def boxed(self, parts: list[tuple[str, str, float]]) -> None:
        """Running text recognised from an image: each part's box path and confidence kept as an anchor."""
        for text, path, confidence in parts:
            self.marks.append((len(self.pending), path, confidence))
            self.pending.append(SPACES.sub(" ", text).strip())

    def flush(self) -> None:
        if self.marks:
            self._flush_marked()
            return
        for line in "".join(self.pending).split("\n"):
            self._line(SPACES.sub(" ", line).strip())
        self.pending = []

    def _flush_marked(self) -> None:
        """As flush, keeping where each boxed part landed."""
        marks = {index: (path, confidence) for index, path, confidence in self.marks}
        line, spans = "", []
        for index, piece in enumerate(self.pending):
            for k, part in enumerate(piece.split("\n")):
                if k:
                    self._marked_line(line, spans)
                    line, spans = "", []
                part = SPACES.sub(" ", part)
                if not line or line.endswith(" "):
                    part = part.lstrip(" ")
                if index in marks and part:
                    spans.append((len(line), len(line) + len(part), *marks[index]))
                line += part
        self._marked_line(line, spans)
        self.pending, self.marks = [], []

    def _marked_line(self, line: str, spans: list[tuple[int, int, str, float]]) -> None:
        line = line.rstrip(" ")
        if not line:
            return
        start = self._line(line)
        for a, b, path, confidence in spans:
            self.anchors.append(Anchor(start + a, start + min(b, len(line)), path, self.page, confidence, False))

    def new_page(self, number: int) -> None:
        self.flush()
        self.pages.append(self.size + 1 if self.lines else 0)
        self.page = number

    def row(
        self,
        cells: list[tuple[str, str | None]],
        confidences: list[float | None] | None = None,
        seen: list[str | None] | None = None,
    ) -> None:
        """One table row: each cell's text and the path of the element it came from (and, for a cell
        read by OCR, the recogniser's confidence and, where it differs from the text, its output)."""
        self.flush()
        texts = [SPACES.sub(" ", text).strip() for text, _ in cells]
        parts, offsets, pos = [], [], 2
        for text in texts:
            offsets.append(pos)
            parts.append(text)
            pos += len(text) + 3
        start = self._line("| " + " | ".join(parts) + " |")
        scores = confidences or [None] * len(cells)
        raws = seen or [None] * len(cells)
        for text, (_, path), off, score, raw in zip(texts, cells, offsets, scores, raws, strict=True):
            # The anchor covers the blanks padding the cell up to its pipes: an empty cell is all padding.
            end = start + off + len(text) + 1
            self.anchors.append(Anchor(start + off - 1, end, path, self.page, score, True, raw))

    def result(self) -> Rendered:
        self.flush()
        return Rendered("\n".join(self.lines), tuple(self.anchors), tuple(self.pages))

    def _line(self, line: str) -> int:
        if not line:
            return self.size
        if self.lines:
            self.size += 1
        start = self.size
        self.lines.append(line)
        self.size += len(line)
        return start
