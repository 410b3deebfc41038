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


@dataclass(frozen=True)
class Anchor:
    """Where a table cell landed in the rendered text, and where it sits in the original file."""

    start: int  # the slot between the cell's two pipes, padding included
    end: int
    path: str | None  # HTML: XPath of the td/th; Word: path of the w:tc; PDF: /page[n]/table[k]/tr[i]/td[j]
    page: int | None = None  # PDF: 1-based page number


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

    def text(self, s: str) -> None:
        """Running text; a "\\n" in it ends a line."""
        self.pending.append(s)

    def flush(self) -> None:
        for line in "".join(self.pending).split("\n"):
            self._line(SPACES.sub(" ", line).strip())
        self.pending = []

    def new_page(self, number: int) -> None:
        self.flush()
        self.pages.append(self.size + 1 if self.lines else 0)
        self.page = number

    def row(self, cells: list[tuple[str, str | None]]) -> None:
        """One table row: each cell's text and the path of the element it came from."""
        self.flush()
        texts = [SPACES.sub(" ", text).strip() for text, _ in cells]
        parts, offsets, pos = [], [], 2
        for text in texts:
            offsets.append(pos)
            parts.append(text)
            pos += len(text) + 3
        start = self._line("| " + " | ".join(parts) + " |")
        for text, (_, path), off in zip(texts, cells, offsets, strict=True):
            # The anchor covers the blanks padding the cell up to its pipes: an empty cell is all padding.
            self.anchors.append(Anchor(start + off - 1, start + off + len(text) + 1, path, self.page))

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
