"""Line breaks put back into a report that lost them (a scraped page saved as one line).

Everything after loading reads lines: section headings start a line, a table row is a line or a run
of cells between two row labels. A page flattened into one line still has its structure in its
words: the six numbered headings and the official row labels, each where a line used to start. So
the whitespace in front of each of them (and after a heading's title) becomes a line break again,
one character for one, so that every offset stays where it was. Text with its line breaks is left
alone.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from extractor.core.layout import layout
from extractor.core.normalize import INLINE_FOOTER, PAGE_FOOTER, label_key

# A text this long with this few line breaks (an average "line" of 400 characters and more) has lost
# them; reports keep their headings and table rows on short lines of their own.
MIN_LENGTH = 400
MIN_AVERAGE_LINE = 400

_CN = "[一二三四五六七八九十]{1,2}"
# Any numbering a heading or a row label carries in the official format or in the ones reports use.
_NUMBERING = rf"(?:第{_CN}部分|第?{_CN}\s*[、.,:：]|[(（]{_CN}[)）]|\d{{1,2}}\s*[.、．,:：](?!\d))"
_LABEL_START = 6  # characters of a label matched (its variants differ in their notes and separators)
# Each pattern begins with the words it looks for, which the regex engine skips to in C; what must stand
# before them (the whitespace that was a line break, a numbering) is checked looking back from a hit.
_BEFORE_HEADING = re.compile(rf"(?:(?P<ws>\s)|^)\s*{_NUMBERING}\s*[^\s|。,，;；]{{0,12}}?$")
# A heading glued to the numbers of the table before it ("…82112014四、政府信息公开行政复议…", text
# scraped without separators): a Chinese numbering follows a digit unambiguously; a numbering "4."
# takes the last digit of a run of at least four (the row of numbers before it), as row labels do.
_CN_NUMBERING = rf"(?:第{_CN}部分|{_CN}\s*[、.,:：]|[(（]{_CN}[)）])"
_GLUED_HEADING = re.compile(rf"(?:(?<=\d){_CN_NUMBERING}|(?<=\d{{3}})[1-9]\s*[.、])\s*[^\s|。,，;；\d]{{0,12}}?$")
# A row label glued to the cells of the row before it: its numbering follows a digit. A Chinese
# numbering cannot be a digit's; a numbered sub-row ("1.属于国家秘密") takes the last digit of a run
# of at least four (a row is several cells; 表三 numbers its sub-rows 1 to 8), or follows the words of
# its group label ("(六)其他处理1.申请人…"). A label without numbering just follows the digits.
_GLUED_LABEL = re.compile(rf"(?:(?<=\d){_CN_NUMBERING}|(?<=\d{{3}})[1-9][.、]|(?<=[^\d\s|])[1-9][.、]|(?<=\d))$")
_BEFORE_LABEL = re.compile(rf"\s\s*{_NUMBERING}?\s*$")
_BEFORE_NUMBERED_LABEL = re.compile(rf"\s\s*{_NUMBERING}\s*$")
_LOOK_BACK = 40  # a heading's numbering and the few words before its key phrase
_LABEL_LOOK_BACK = 10  # a row label's numbering ("第十二部分 ", "(十一)") and the whitespace before it
# What starts a line of its own besides headings and row labels: the report's title ("…2022年政府信息
# 公开工作年度报告", near the top) and the header of 表四 ("行政复议 行政诉讼" / "行政复议 结果维持").
_TITLE = re.compile(r"\s(?=\S{2,40}?(?:19|20)\d{2}\s*年度?\S{0,20}?年度报告)")
_TITLE_WITHIN = 3000
_DISPUTES_HEADER = re.compile(r"行政复议\s*(?:\|\s*)?(?:行政诉讼|结果\s*维持)")
_FIRST_NUMBER = re.compile(r"\s(?=\d+(?:\.\d+)?\s*(?:\||\s\d))")  # a cell that is a number, before the next cell
_HEADER_SPAN = 400  # how far 表四's header cells reach
# Markdown: a separator row (|---|---|) and a heading (## 表三) stood on lines of their own.
_MARKDOWN_RULE = re.compile(r"\|(?:\s*:?-{3,}:?\s*\|)+")
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s")
# "| 9 | | 0 |": a pipe closing a row, whitespace, a pipe opening the next row of numbers.
_GLUE = re.compile(r"\|(?P<gap>[ \t])\|(?=\s*\d)")
_NUMBER_CELL = re.compile(r"\|\s*-?\d[\d,.]*\s*(?=\|)")
_MIN_ROW_CELLS = 3
_HEADING_PIPE = re.compile(r"[^|#\n]{1,40}?\s\|")  # a heading's words, then the row after it
# A Markdown table's delimiter row fixes how many cells each of its rows has; a converter writes every
# row with that many. So a flattened table splits every N cells, blank cells included, whatever the
# cells say ("| 4 |  | | （三）不 | 4.保护第三方… |" is two rows of a 9-column table, not a row label).
_FOOTER_SPAN = 24  # longer than any page footer ("第 12 页 共 36 页")
_MAX_CELL = 80  # longer than any header or row label: past it the pipes are not one row's
# The start of the cell after a label's cell: a row label is followed by its numbers (or a blank,
# a dash); a label followed by more words is a header cell ("| 上年结转件数 | 予以公开 | 部分公开 |").
_NEXT_CELL = re.compile(r"[^|\n]{0,60}?\|\s*(?P<c>\S)")


@dataclass(frozen=True)
class Heading:
    before: int  # the whitespace in front of its numbering (-1: the text starts with it; or, glued to
    # a digit before it, its numbering's first character, before which a line break is inserted)
    phrase_end: int  # where its key phrase ends (its title runs on a few words)
    phrase: str  # the key phrase that makes it a heading


def lost(text: str) -> bool:
    return len(text) >= MIN_LENGTH and text.count("\n") * MIN_AVERAGE_LINE < len(text)


def line_breaks(text: str) -> list[int]:
    """Positions of whitespace characters to make line breaks, in a text that lost its own; a position
    holding another character (a heading glued to the digits before it) gets a break inserted before it."""
    if not lost(text):
        return []
    points: set[int] = set()
    headings = _find_headings(text)
    for h in headings:
        if h.before >= 0:
            points.add(h.before)
        end = _title_end(text, h.phrase_end)
        if end is not None:
            points.add(end)
    points.update(m.start() for m in _TITLE.finditer(text, 0, _TITLE_WITHIN))
    points.update(_footer_edges(text))
    for m in _DISPUTES_HEADER.finditer(text):
        points.add(m.start() - 1)
        # 表四's one data row (15 numbers) stood on a line of its own, after the header's cells.
        number = _FIRST_NUMBER.search(text, m.end(), m.end() + _HEADER_SPAN)
        if number is not None:
            points.add(number.start())
    rows: list[tuple[int, int]] = []
    if "---" in text:
        points.update(p for m in _MARKDOWN_RULE.finditer(text) for p in (m.start() - 1, m.end()))
        rows = _markdown_rows(text)
        points.update(p for start, end in rows for p in (start - 1, end + 1))
        for m in _MARKDOWN_HEADING.finditer(text):
            points.add(m.start() - 1)
            # "### 行政复议 | 结果维持 | …": the heading stood on its line, the header row on the next.
            pipe = _HEADING_PIPE.match(text, m.end())
            if pipe is not None:
                points.add(pipe.end() - 2)
    first, last = _table_zone(headings, len(text))
    points.update(_caption_ends(text, first, last))
    labels = _find_labels(text, first, last)
    before = sorted(points | set(labels))
    for p in labels:
        if p >= 2 and text[p - 1] == "|" and text[p - 2].isspace():
            # "| 规章 | 22 |": the pipe before a label opens its row, unless it closes the row before it
            # ("18 | 规章 | 6"), which is on the same line as that pipe, after the last break.
            # Between two pipes ("| 22 | | 规章"), the first closes the row before and the second opens.
            line_start = before[k - 1] + 1 if (k := bisect.bisect_left(before, p - 1)) else 0
            closes = "|" in text[line_start : p - 1] and not (p >= 3 and text[p - 3] == "|")
            points.add(p if closes else p - 2)
        else:
            points.add(p)
    if rows:
        points = _outside_rows(points, rows)
    points.update(_glued_rows(text, sorted(points)))
    # Where the text has no whitespace to turn into a break (a heading or label glued to the digits
    # before it, digits glued to a heading), one is inserted; only points found that way are not spaces.
    return sorted(p for p in points if 0 < p < len(text) and (text[p].isspace() or _glued_at(text, p)))


def _glued_at(text: str, p: int) -> bool:
    """A digit and a non-digit meet at `p`, or a digit run ends in a label's numbering there ("…2021.属于"):
    a break inserted there splits nothing that belongs together."""
    if text[p - 1].isspace():
        return False
    if text[p - 1].isdigit() != text[p].isdigit():
        return True
    return text[p].isdigit() and p + 1 < len(text) and text[p + 1] in ".、"


def _markdown_rows(text: str) -> list[tuple[int, int]]:
    """The (opening pipe, closing pipe) of each row of a flattened Markdown table: the row just before
    each delimiter row, and the rows after it, each as many cells wide as the delimiter row."""
    rows = []
    for m in _MARKDOWN_RULE.finditer(text):
        width = m.group(0).count("|") - 1
        header = _row_before(text, m.start(), width)
        if header is not None:
            rows.append(header)
        at = m.end()
        while (row := _row_after(text, at, width)) is not None:
            rows.append(row)
            at = row[1] + 1
    return rows


def _row_before(text: str, rule: int, width: int) -> tuple[int, int] | None:
    """The row whose closing pipe stands just before a delimiter row (whitespace between)."""
    end = rule - 1
    while end >= 0 and text[end].isspace():
        end -= 1
    if end > 0 and text[end] != "|" and end < rule - 1:
        # A page footer between the row and its delimiter row (its own line, dropped later).
        footer = [m for m in PAGE_FOOTER.finditer(text, max(0, end - _FOOTER_SPAN), end + 1) if m.end() == end + 1]
        if footer:
            rule = footer[-1].start()  # the row then ends before the footer, as before a delimiter row
            end = rule - 1
            while end >= 0 and text[end].isspace():
                end -= 1
    if end < 0 or text[end] != "|" or end == rule - 1:
        return None
    at = end
    for _ in range(width):
        at = text.rfind("|", max(0, at - _MAX_CELL), at)
        if at < 0 or "\n" in text[at:end]:
            return None
    return (at, end) if at > 0 and text[at - 1].isspace() else None


def _row_after(text: str, at: int, width: int) -> tuple[int, int] | None:
    """The row opening after whitespace at `at`, `width` cells wide and closed before whitespace or the
    end of the text; None where the table ends (no pipe, a delimiter row, a newline, a short row)."""
    start = at
    while start < len(text) and text[start] == " ":
        start += 1
    if (footer := PAGE_FOOTER.match(text, start)) is not None and start > at:
        start = footer.end()  # a page footer between two rows (its own line, dropped later) ends no table
        while start < len(text) and text[start] == " ":
            start += 1
    if start == at or start >= len(text) or text[start] != "|" or _MARKDOWN_RULE.match(text, start):
        return None
    end = start
    for _ in range(width):
        end = text.find("|", end + 1, end + 1 + _MAX_CELL)
        # A delimiter row inside: the next table starts there (and each scan stops at the next one).
        if end < 0 or "\n" in text[start:end] or "---" in text[start:end]:
            return None
    if end + 1 < len(text) and not text[end + 1].isspace():
        return None
    return start, end


def _outside_rows(points: set[int], rows: list[tuple[int, int]]) -> set[int]:
    """The break points that do not fall inside one of the Markdown rows."""
    rows = sorted(rows)
    starts = [a for a, _ in rows]
    kept = set()
    for p in points:
        k = bisect.bisect_right(starts, p) - 1
        if k < 0 or p > rows[k][1]:
            kept.add(p)
    return kept


def _footer_edges(text: str) -> list[int]:
    """The whitespace either side of each page footer ("— 4 —", "第 2 页 共 9 页") that stands between
    two spaces: it was a line of its own, which normalisation then drops as page furniture."""
    out = []
    for m in INLINE_FOOTER.finditer(text):
        out += [m.start() - 1, m.end()]
    return out


def _glued_rows(text: str, breaks: list[int]) -> list[int]:
    """Two pipe rows of numbers left on one line ("…| 9 | | 0 | 0 | …"): between the pipe that closes
    one and the pipe that opens the next, where the numbers on either side come to the same count (a
    cell left blank inside a row splits it unevenly)."""
    out = []
    for start, end in pairwise([-1, *breaks, len(text)]):
        line = text[start + 1 : end]
        if not _GLUE.search(line):
            continue
        cuts = [start + 1 + m.start("gap") for m in _GLUE.finditer(line)]
        bounds = [start + 1, *cuts, end]
        counts = [len(_NUMBER_CELL.findall(text, a, b)) for a, b in pairwise(bounds)]
        for k, cut in enumerate(cuts):
            if counts[k] >= _MIN_ROW_CELLS and counts[k] == counts[k + 1]:
                out.append(cut)
    return out


def _find_headings(text: str) -> list[Heading]:
    """Each key phrase of a section heading that stands after a numbering, after a line break."""
    found = []
    for m in _phrases().finditer(text):
        b = _BEFORE_HEADING.search(text, max(0, m.start() - _LOOK_BACK), m.start())
        if b is not None:
            found.append(Heading(b.start("ws") if b.group("ws") else -1, m.end(), m.group(0)))
        elif (g := _GLUED_HEADING.search(text, max(0, m.start() - _LOOK_BACK), m.start())) is not None:
            found.append(Heading(g.start(), m.end(), m.group(0)))
    return found


def _find_labels(text: str, first: int, last: int) -> list[int]:
    """The whitespace before each row label or caption (with its numbering) in the table zone."""
    free, numbered = _labels()
    points = []
    for pattern, before in ((free, _BEFORE_LABEL), (numbered, _BEFORE_NUMBERED_LABEL)):
        for m in pattern.finditer(text, first, last):
            b = before.search(text, max(first, m.start() - _LABEL_LOOK_BACK), m.start())
            if b is not None and not _header_cell(text, b.start(), m.end()):
                points.append(b.start())
            elif (g := _GLUED_LABEL.search(text, max(first, m.start() - _LABEL_LOOK_BACK), m.start())) is not None:
                points.append(g.start())
    return points


def _caption_ends(text: str, first: int, last: int) -> list[int]:
    """The whitespace after each of 表二's captions ("第二十条第（一）项"): a caption is a header row of
    its own, so what follows it (its column headers, or its numbers) starts a line."""
    return [m.end() for m in _captions().finditer(text, first, last) if m.end() < len(text) and text[m.end()].isspace()]


@cache
def _captions() -> re.Pattern[str]:
    keys = {label_key(b.caption) for blocks in layout().active.values() for b in blocks}
    return re.compile("|".join(_spaced(k) for k in sorted(keys, key=len, reverse=True)))


def _header_cell(text: str, before: int, end: int) -> bool:
    """A label in a pipe row ("| 予以公开 |") followed by a cell of words, not of numbers."""
    if before < 1 or text[before - 1] != "|":
        return False
    cell = _NEXT_CELL.match(text, end)
    return cell is not None and cell.group("c").isalpha()


def _title_end(text: str, at: int) -> int | None:
    """The whitespace that ends a heading's title (its key phrase and a few more words), or the first
    digit glued to it (a table's numbers right after its heading, in text scraped without separators)."""
    for i in range(at, min(at + 25, len(text))):
        if text[i].isspace() or text[i].isdigit():
            return i
    return None


def _table_zone(headings: list[Heading], n: int) -> tuple[int, int]:
    """From the heading of section 二 to the heading of section 五: where the tables are printed."""
    phrases = layout().sections
    start, end = 0, n
    for h in headings:
        if h.phrase in phrases["active"] and start == 0:
            start = h.phrase_end
        elif h.phrase in phrases["problems"] and h.phrase_end > start:
            end = h.phrase_end
    return start, end


@cache
def _phrases() -> re.Pattern[str]:
    phrases = sorted({p for ps in layout().sections.values() for p in ps}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases))


_SEPARATORS = r"[\s()（）、,，“”\"'‘’]*"


def _spaced(word: str) -> str:
    """A regex for `word` (a label key) that allows what label keys drop between its characters:
    whitespace ("三 、 本 年 度") and separators ("第二十条第(一)项")."""
    return _SEPARATORS.join(re.escape(ch) for ch in word)


@cache
def _labels() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every row label and caption of the three tables, followed by a cell (a number or a pipe, after
    any padding) before the sentence ends: those that start a row with or without their numbering, and
    those that only with it (labels that are also column headers: "（七）总计" / 总计, "3.其他" / 其他结果)."""
    lay = layout()
    words = {r.label for r in lay.app_rows} | {g for g in lay.app_group_labels} | {"信息内容"}
    words |= {b.caption for blocks in lay.active.values() for b in blocks}
    words |= {r.label for blocks in lay.active.values() for b in blocks for r in b.rows}
    starts = {label_key(w)[:_LABEL_START] for w in words if label_key(w)}
    headers = {label_key(c.label) for c in (*lay.app_columns, *lay.dispute_columns, *lay.dispute_groups)}
    shared = {s for s in starts if any(h.startswith(s) for h in headers)}

    def pattern(keys: set[str]) -> re.Pattern[str]:
        # Grouped by first character, so that at each position at most one branch is tried.
        by_first: dict[str, list[str]] = {}
        for key in sorted(keys, key=len, reverse=True):
            by_first.setdefault(key[0], []).append(key[1:])
        groups = "|".join(
            re.escape(first) + _SEPARATORS + "(?:" + "|".join(_spaced(rest) for rest in rests) + ")"
            for first, rests in by_first.items()
        )
        return re.compile(rf"(?:{groups})(?=[^。;；]{{0,60}}?\s*[\d|])")

    return pattern(starts - shared), pattern(shared)
