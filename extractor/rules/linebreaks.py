"""Line breaks put back into a report that lost them (a scraped page saved as one line).

Everything after loading reads lines: section headings start a line, a table row is a line or a run
of cells between two row labels. A page flattened into one line still has its structure in its
words: the six numbered headings and the official row labels, each where a line used to start. So
the whitespace in front of each of them (and after a heading's title) becomes a line break again,
one character for one, so that every offset stays where it was. Text with its line breaks is left
alone.
"""

from __future__ import annotations

import re
from functools import cache

from extractor.core.layout import layout
from extractor.core.normalize import label_key

# A text this long with this few line breaks (an average "line" of 400 characters and more) has lost
# them; reports keep their headings and table rows on short lines of their own.
MIN_LENGTH = 1000
MIN_AVERAGE_LINE = 400

_CN = "[一二三四五六七八九十]{1,2}"
# Any numbering a heading or a row label carries in the official format or in the ones reports use.
_NUMBERING = rf"(?:第{_CN}部分|第?{_CN}\s*[、.,:：]|[(（]{_CN}[)）]|\d{{1,2}}\s*[.、．,:：](?!\d))"
_LABEL_START = 6  # characters of a label matched (its variants differ in their notes and separators)
# What starts a line of its own besides headings and row labels: the report's title ("…2022年政府信息
# 公开工作年度报告") and the header of 表四 ("行政复议 行政诉讼" / "行政复议 结果维持").
_OWN_LINES = re.compile(
    r"\s(?=\S{2,40}?(?:19|20)\d{2}\s*年度?\S{0,20}?年度报告)|\s(?=行政复议\s*(?:\|\s*)?(?:行政诉讼|结果\s*维持))"
)
# A Markdown separator row (|---|---|) or heading (## 表三), after the whitespace that was a line break.
_MARKDOWN = re.compile(r"\s(?:(?P<rule>\|?(?:\s*:?-{3,}:?\s*\|)+(?=\s))|(?=#{1,6}\s))")


def lost(text: str) -> bool:
    return len(text) >= MIN_LENGTH and text.count("\n") * MIN_AVERAGE_LINE < len(text)


def line_breaks(text: str) -> list[int]:
    """Positions of whitespace characters to make line breaks, in a text that lost its own."""
    if not lost(text):
        return []
    points: set[int] = set()
    headings = list(_headings().finditer(text))
    for m in headings:
        if m.start("ws") >= 0:
            points.add(m.start("ws"))  # the whitespace before the numbering
        end = _title_end(text, m.end())
        if end is not None:
            points.add(end)
    for m in _OWN_LINES.finditer(text):
        points.add(m.start())
    if "---" in text:  # Markdown: a separator row and a heading each stood on a line of their own
        for m in _MARKDOWN.finditer(text):
            points.add(m.start())
            if m.group("rule"):
                points.add(m.end())
    first, last = _table_zone(text, headings)
    labels = [m.start() for m in _labels().finditer(text, first, last)]
    before = sorted(points | set(labels))
    for p in labels:
        if p >= 2 and text[p - 1] == "|" and text[p - 2].isspace():
            # "| 规章 | 22 |": the pipe before a label opens its row, unless it closes the row before it
            # ("18 | 规章 | 6"), which is on the same line as that pipe, after the last break.
            # Between two pipes ("| 22 | | 规章"), the first closes the row before and the second opens.
            line_start = max((q for q in before if q < p - 1), default=-1) + 1
            closes = "|" in text[line_start : p - 1] and not (p >= 3 and text[p - 3] == "|")
            points.add(p if closes else p - 2)
        else:
            points.add(p)
    return sorted(p for p in points if p < len(text) and text[p].isspace())


def _title_end(text: str, at: int) -> int | None:
    """The whitespace that ends a heading's title (its key phrase and a few more words)."""
    for i in range(at, min(at + 25, len(text))):
        if text[i].isspace():
            return i
    return None


def _table_zone(text: str, headings: list[re.Match[str]]) -> tuple[int, int]:
    """From the heading of section 二 to the heading of section 五: where the tables are printed."""
    phrases = layout().sections
    start, end = 0, len(text)
    for m in headings:
        title = m.group("title")
        if any(p in title for p in phrases["active"]) and start == 0:
            start = m.start()
        elif any(p in title for p in phrases["problems"]) and m.start() > start:
            end = m.start()
    return start, end


@cache
def _headings() -> re.Pattern[str]:
    phrases = sorted({p for ps in layout().sections.values() for p in ps}, key=len, reverse=True)
    title = "|".join(re.escape(p) for p in phrases)
    # The key phrase may follow a few words ("四、政府信息公开行政复议、行政诉讼情况").
    return re.compile(rf"(?:(?P<ws>\s)|^)\s*{_NUMBERING}\s*(?P<title>[^\s|。,，;；]{{0,12}}?(?:{title}))")


def _spaced(word: str) -> str:
    """A regex for `word` (a label key) that allows what label keys drop between its characters:
    whitespace ("三 、 本 年 度") and separators ("第二十条第(一)项")."""
    return r"[\s()（）、,，]*".join(re.escape(ch) for ch in word)


@cache
def _labels() -> re.Pattern[str]:
    """Every row label and caption of the three tables, at a cell boundary, with any numbering."""
    lay = layout()
    words = {r.label for r in lay.app_rows} | {g for g in lay.app_group_labels} | {"信息内容"}
    words |= {b.caption for blocks in lay.active.values() for b in blocks}
    words |= {r.label for blocks in lay.active.values() for b in blocks for r in b.rows}
    starts = {label_key(w)[:_LABEL_START] for w in words if label_key(w)}
    # Labels that are also column headers ("（七）总计" / 总计, "3.其他" / 其他, 其他结果) start a row only
    # with their numbering; the others with or without it.
    headers = {label_key(c.label) for c in (*lay.app_columns, *lay.dispute_columns, *lay.dispute_groups)}
    shared = {s for s in starts if any(h.startswith(s) for h in headers)}
    free = "|".join(_spaced(s) for s in sorted(starts - shared, key=len, reverse=True))
    numbered = "|".join(_spaced(s) for s in sorted(shared, key=len, reverse=True))
    label = rf"(?:{_NUMBERING}?\s*(?:{free})|{_NUMBERING}\s*(?:{numbered}))"
    # After whitespace (the lost line break), and followed by a cell (a number or a pipe) before the
    # sentence ends. "予以公开18件" inside a sentence has no whitespace before it and stays.
    return re.compile(rf"\s(?=\s*{label}[^。;；]{{0,60}}?[\d|])")
