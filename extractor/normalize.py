"""Normalise report text while keeping a map back to the characters the user has.

Every later stage works on the normalised text (NFKC, no spaces between CJK characters, no page
footers); evidence must still point into the original. The map is a list of breakpoints rather than
one integer per character, so that normalising a report costs a few regex passes, not a Python loop
over every character.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

# CJK ideographs and the CJK punctuation that NFKC leaves in place.
CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’《》〈〉【】、。"
_CJK_CLASS = f"[{CJK}]"
# Spaces between two CJK characters ("三 、 本 年 度") are PDF or OCR artefacts, never meaning.
_CJK_GAP = re.compile(f"(?<={_CJK_CLASS})[ \u00a0\u3000]+(?={_CJK_CLASS})")
# A space between a CJK character and a number ("申请 34 件") carries no meaning either; the space
# between two numbers does (it separates cells), so it is kept.
_CJK_NUM_GAP = re.compile(f"(?<={_CJK_CLASS})[ \u00a0]+(?=[0-9])|(?<=[0-9])[ \u00a0]+(?={_CJK_CLASS})")
# Page footers such as "— 4 —" or "- 12 -" on a line of their own.
_PAGE_FOOTER = re.compile(r"^[ \t]*[—–-]+[ \t]*\d{1,3}[ \t]*[—–-]+[ \t]*$", re.M)
_TRAILING_SPACE = re.compile(r"[ \u00a0\u3000]+$", re.M)
_REMOVE = re.compile("|".join(p.pattern for p in (_PAGE_FOOTER, _TRAILING_SPACE, _CJK_GAP, _CJK_NUM_GAP)), re.M)
# Characters NFKC leaves alone but reports use interchangeably with ASCII ones.
_EXTRA = str.maketrans({"−": "-", "－": "-", "＋": "+", "﹢": "+", "﹣": "-", "\u00a0": " ", "\r": "\n"})


@dataclass
class OffsetMap:
    """Maps positions in a derived text to positions in its source, segment by segment.

    `starts[i]` is where segment i begins in the derived text and `origins[i]` where it begins in the
    source; inside a segment both advance together.
    """

    starts: list[int] = field(default_factory=lambda: [0])
    origins: list[int] = field(default_factory=lambda: [0])

    def __call__(self, pos: int) -> int:
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.origins[i] + (pos - self.starts[i])

    def then(self, inner: OffsetMap) -> OffsetMap:
        """This map applied after `inner` (self: derived -> mid, inner: mid -> source)."""
        points = sorted(set(self.starts) | {self._inverse(s) for s in inner.starts if self._inverse(s) is not None})
        return OffsetMap(points, [inner(self(p)) for p in points])

    def _inverse(self, mid: int) -> int | None:
        i = bisect.bisect_right(self.origins, mid) - 1
        if i < 0:
            return None
        return self.starts[i] + (mid - self.origins[i])


def _delete(text: str, pattern: re.Pattern[str]) -> tuple[str, OffsetMap]:
    """Delete every match of `pattern`, returning the new text and its map to `text`."""
    pieces: list[str] = []
    starts, origins = [0], [0]
    last = 0
    out_len = 0
    for m in pattern.finditer(text):
        if m.start() == m.end():
            continue
        pieces.append(text[last : m.start()])
        out_len += m.start() - last
        last = m.end()
        starts.append(out_len)
        origins.append(last)
    if len(starts) == 1:
        return text, OffsetMap()
    pieces.append(text[last:])
    return "".join(pieces), OffsetMap(starts, origins)


def _nfkc(text: str) -> tuple[str, OffsetMap]:
    """NFKC with a position map; the fast path keeps lengths (full-width to ASCII is one for one)."""
    text = text.translate(_EXTRA)
    out = unicodedata.normalize("NFKC", text)
    if len(out) == len(text):
        return out, OffsetMap()
    # Rare: a character expanded or contracted (⑴ -> (1)). Map it piece by piece.
    pieces: list[str] = []
    starts, origins = [0], [0]
    pos = 0
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch)
        pieces.append(n)
        if len(n) != 1:
            pos += len(n)
            starts.append(pos)
            origins.append(i + 1)
        else:
            pos += 1
    return "".join(pieces), OffsetMap(starts, origins)


@dataclass
class NormalText:
    """The normalised text of a report and the way back to the text the user has."""

    text: str
    original: str
    to_original: OffsetMap

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return self.to_original(start), self.to_original(max(start, end - 1)) + (1 if end > start else 0)


def normalize(original: str) -> NormalText:
    """NFKC, unified signs, no spaces inside CJK runs, no page footers, no trailing blanks."""
    text, m = _nfkc(original)
    text, step = _delete(text, _REMOVE)
    if len(step.starts) > 1:
        m = step.then(m)
    return NormalText(text, original, m)


_NUMBERING = re.compile(
    r"^(?:[#\s]*)(?:第?[一二三四五六七八九十]+[、.,:]|[(（][一二三四五六七八九十]+[)）][、.]?|\d{1,2}[.、,．](?!\d)|[(（]\d{1,2}[)）])"
)
_LABEL_NOISE = re.compile(r"[\s\"'“”‘’「」:：|#*_]")
# Separators reports write interchangeably inside labels ("逾期不补正、行政机关" / "逾期不补正，行政机关").
_LABEL_SEPARATORS = re.compile(r"[、,，;；.。()（）]")


def label_key(label: str) -> str:
    """The comparable form of a table label: no numbering, whitespace, quotes, separators or markup."""
    label = unicodedata.normalize("NFKC", label)
    label = _LABEL_NOISE.sub("", label)
    return _LABEL_SEPARATORS.sub("", _NUMBERING.sub("", label))


def label_number(label: str) -> str | None:
    """The numbering a label carries ("（六）其他处理" -> "六", "3.其他" -> "3"), if any."""
    m = _NUMBERING.match(_LABEL_NOISE.sub("", unicodedata.normalize("NFKC", label)))
    if not m:
        return None
    return re.sub(r"[^一二三四五六七八九十0-9]", "", m.group(0)).removeprefix("第") or None
