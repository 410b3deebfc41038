"""Split a report into its six sections (一、总体情况 … 六、其他需要报告的事项).

A heading is a short line that starts with a numbering (一、 / 1. / （一）/ ## …) and holds one of the
section's key phrases; numbering variants and a missing 五 are common, so sections are found by
phrase, in order, not by counting numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extractor.core.layout import layout

ORDER = ("general", "active", "applications", "disputes", "problems", "other")
# The numberings real reports give the six headings: 一、 / 1. / 1、 / 第一部分 / （一） / Markdown #.
_CN = "[一二三四五六七八九十]{1,2}"
_HEADING = re.compile(
    rf"^[ \t#*]*(?:表[一二三四五六][ \t]*[:：]?|第{_CN}部分[ \t]*[、.,:：]?|第?{_CN}[ \t]*[、.,:：]"
    rf"|[(（]{_CN}[)）]|\d{{1,2}}[ \t]*[.、．,:：])?"
    r"[ \t]*(?P<title>[^\n|]{2,40})$",
    re.M,
)
# Only a line that starts with a numbering (or a Markdown #) can be a section heading. Found first,
# so that _HEADING is tried on a few lines rather than on every short line (a table cell per line).
# Searched from the line break rather than with `^` and re.M: the regex engine then skips from one
# line break to the next in C (three times faster); the text's first line is matched on its own.
# Two sets of numberings: the Chinese ones most reports use (一、 / 第一部分 / #), tried first, and the
# ones that also number table rows and sub-headings (1. / 1、 / （一）), tried only when the first set
# finds too few headings (a table of one cell per line has dozens of "1." lines).
_TOP = rf"[ \t#*]*(?:第{_CN}部分|第?{_CN}[^\S\n]*[、.,:：]|#)"
_ANY = rf"[ \t#*]*(?:第{_CN}部分|第?{_CN}[^\S\n]*[、.,:：]|[(（]{_CN}[)）]|\d{{1,2}}[^\S\n]*[.、．,:：]|#)"
_FIRST_LINE = {False: re.compile(_TOP), True: re.compile(_ANY)}
_LINE = {False: re.compile("\n" + _TOP), True: re.compile("\n" + _ANY)}
_SUBHEADING = re.compile(rf"[ \t#*]*[(（]{_CN}[)）]")
# A heading line in the prose: a numbering, then a short title with no sentence punctuation
# ("（四）依申请公开情况", "(九)网站、公报…发挥情况"). A line wrapped mid-sentence has its commas.
NUMBERED_TITLE = re.compile(_ANY + r"[^\n|，,；;。：:]{1,40}")


@dataclass(frozen=True)
class Section:
    name: str
    start: int  # offset of the heading line in the normalised text
    body_start: int  # first character after the heading line
    end: int

    def text(self, full: str) -> str:
        return full[self.body_start : self.end]


def _numbered_lines(text: str, every_numbering: bool) -> Iterator[int]:
    """Where each line that starts with a numbering begins."""
    if _FIRST_LINE[every_numbering].match(text):
        yield 0
    for m in _LINE[every_numbering].finditer(text):
        yield m.start() + 1


def split_sections(text: str) -> dict[str, Section]:
    """Sections found, by name. A section absent from the report is absent from the result.

    （一）-numbered lines are the official format's sub-headings ("（一）主动公开" inside 总体情况), so they
    count as section headings only in a report whose sections are not found without them.
    """
    found = _headings(text, every_numbering=False, subheadings=False)
    if len(found) < 3:
        found = _headings(text, every_numbering=True, subheadings=False)
    if len(found) < 3:
        found = _headings(text, every_numbering=True, subheadings=True)
    sections: dict[str, Section] = {}
    for k, (name, start, body) in enumerate(found):
        end = found[k + 1][1] if k + 1 < len(found) else len(text)
        sections[name] = Section(name, start, min(body + 1, end), end)
    return sections


def _headings(text: str, every_numbering: bool, subheadings: bool) -> list[tuple[str, int, int]]:
    """(section, heading start, heading end) in text order, each section's first heading after the last."""
    phrases = layout().sections
    found: list[tuple[str, int, int]] = []
    next_index = 0
    for line_start in _numbered_lines(text, every_numbering):
        m = _HEADING.match(text, line_start)
        if m is None or (not subheadings and _SUBHEADING.match(text, line_start)):
            continue
        title = m.group("title")
        for i in range(next_index, len(ORDER)):
            if any(p in title for p in phrases[ORDER[i]]):
                found.append((ORDER[i], m.start(), m.end()))
                next_index = i + 1
                break
    return found
