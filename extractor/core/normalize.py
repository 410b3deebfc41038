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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

# CJK punctuation outside the CJK blocks that NFKC leaves in place.
_CJK_EXTRA = frozenset("“”‘’《》〈〉【】、。")
# Runs of horizontal space, and page footers such as "— 4 —" on a line of their own; the context
# test is in Python. Only runs at a line end, or between two characters that are each CJK or a
# digit, can go; runs beside a pipe or a Latin letter never do, so the regex does not hand them to
# Python at all. Both patterns begin with one plain character class (`[ ]`, not `[ ]+` or an
# alternation): only then does the regex engine skip ahead to the next candidate character in C,
# which makes this scan three times faster than the same rule written as two alternatives.
CJK_CLASS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’《》〈〉【】"
_SPACE = "[ \u00a0\u3000]"
# A run of spaces at a line's end, or between CJK/digits. Each branch is tried only where a run starts
# (aligned columns are long runs: retried at every space, the run cost its length squared).
_SPACE_RUN = re.compile(
    f"{_SPACE}(?:(?<!{_SPACE}{_SPACE}){_SPACE}*+(?=\n|$)|(?<=[0-9{CJK_CLASS}]{_SPACE}){_SPACE}*(?=[0-9{CJK_CLASS}]))"
)
# Page footers a PDF's text keeps between lines, each alone on its line: "— 3 —", "第 2 页 共 9 页".
_PAGE_OF = r"第[ \t]*\d{1,4}[ \t]*页(?:[ \t]*[,，/]?[ \t]*共[ \t]*\d{1,4}[ \t]*页)?"
_DASHED = r"[—–-][—–-]*[ \t]*\d{1,3}[ \t]*[—–-]+"
PAGE_FOOTER = re.compile(f"{_DASHED}|{_PAGE_OF}")
# The two kinds looked for apart over a whole text: neither can overlap the other, and the page kind
# then starts with a literal (第) the regex engine skips to, where the union tried every character.
_FOOTER_KINDS = (re.compile(_DASHED), re.compile(_PAGE_OF))
# The same footers standing between two spaces inside a line (a page that lost its line breaks), not
# begun by a hyphen: "0 - 4 - 5" between spaces may be cells of a row (blank, 4, blank).
# Pinyin a mirror site prints after each character ("報(bào)告", "申請(qǐng)"): noise inside every word,
# so "申请(qǐng)12件" would hide its number from the rules. One toned syllable in brackets right after a
# Han character; a bracketed Latin word without a tone mark ("(a)", "(PDF)") is left alone.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN = re.compile(rf"\((?<=[\u4e00-\u9fff]\()[a-zü]*[{_TONED}][a-zü{_TONED}]*\)")
INLINE_FOOTER = re.compile(rf"(?<=\s)(?:[—–][—–-]*[ \t]*\d{{1,3}}[ \t]*[—–-]+|{_PAGE_OF})(?=\s|$)")


def is_cjk(ch: str) -> bool:
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\u3400" <= ch <= "\u4dbf"
        or ("\uff00" <= ch <= "\uffef" or ch in _CJK_EXTRA)
    )


def _removable(text: str) -> list[tuple[int, int]]:
    """Spans that carry no meaning: spaces inside CJK runs ("三 、 本 年 度") or between CJK and a
    number ("申请 34 件"), trailing spaces, pinyin after characters, page-footer lines. Spaces between
    two numbers separate cells and stay."""
    n = len(text)
    spans = []
    for m in _SPACE_RUN.finditer(text):
        s, e = m.span()
        after = text[e] if e < n else "\n"
        if after == "\n":
            spans.append((s, e))
            continue
        before = text[s - 1] if s else "\n"
        if (is_cjk(before) and (is_cjk(after) or after.isdigit())) or (before.isdigit() and is_cjk(after)):
            spans.append((s, e))
    spans += [m.span() for m in PINYIN.finditer(text)]
    for m in (m for kind in _FOOTER_KINDS for m in kind.finditer(text)):
        # Its line, looked for nearby only: a page without line breaks must not cost a scan per footer.
        lo, hi = max(0, m.start() - 200), min(n, m.end() + 200)
        s = max(text.rfind("\n", lo, m.start()), lo - 1) + 1
        e = text.find("\n", m.end(), hi)
        e = hi if e < 0 else e
        if not text[s : m.start()].strip() and not text[m.end() : e].strip():
            # The whole line goes, its line break too: an empty line left behind would read as an
            # empty cell where blank lines count (one cell per line, cells a blank line apart).
            spans.append((s, e + 1 if e < n and text[e] == "\n" and s > 0 else e))
    if not spans:
        return spans
    spans.sort()
    merged = [spans[0]]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


# Characters NFKC leaves alone but reports use interchangeably with ASCII ones (one for one, so the
# offset map is unchanged).
_EXTRA = (("−", "-"), ("﹣", "-"), ("﹢", "+"), ("\u00a0", " "), ("\r", "\n"))  # a lone CR ends a line (old Mac)


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

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Both ends of [start, end) in the source, with one search when they share a segment."""
        i = bisect.bisect_right(self.starts, start) - 1
        s = self.origins[i] + (start - self.starts[i])
        if end <= start:
            return s, s
        last = end - 1
        if i + 1 < len(self.starts) and last >= self.starts[i + 1]:
            return s, self(last) + 1
        return s, self.origins[i] + (last - self.starts[i]) + 1

    def spans(self, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """`span` of many [start, end) pairs; one shift for all when the map has a single segment."""
        if len(self.starts) == 1:
            shift = self.origins[0] - self.starts[0]
            return [(s + shift, (e if e > s else s) + shift) for s, e in pairs]
        return [self.span(s, e) for s, e in pairs]

    def inverse(self, pos: int) -> int:
        """The position in the derived text of source position `pos` (of a deleted character: where
        the deletion is)."""
        i = max(bisect.bisect_right(self.origins, pos) - 1, 0)
        kept = self.starts[i + 1] - self.starts[i] if i + 1 < len(self.starts) else pos - self.origins[i]
        return self.starts[i] + min(pos - self.origins[i], kept)

    def then(self, inner: OffsetMap) -> OffsetMap:
        """This map applied after `inner` (self: derived -> mid, inner: mid -> source)."""
        points = sorted(set(self.starts) | {self.inverse(s) for s in inner.starts})
        return OffsetMap(points, [inner(self(p)) for p in points])


def delete_spans(text: str, spans: list[tuple[int, int]]) -> tuple[str, OffsetMap]:
    """Delete sorted, disjoint `spans` from `text`, returning the new text and its map to `text`."""
    if not spans:
        return text, OffsetMap()
    removed = list(accumulate(e - s for s, e in spans))
    starts = [0, *(e - r for (_, e), r in zip(spans, removed, strict=True))]
    origins = [0, *(e for _, e in spans)]
    keep_from = [0, *origins[1:]]
    keep_to = [s for s, _ in spans] + [len(text)]
    return "".join(text[a:b] for a, b in zip(keep_from, keep_to, strict=True)), OffsetMap(starts, origins)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), about ten times faster on Chinese text.

    NFKC is by definition the canonical composition of NFKD. CPython's composition step costs about
    a thousand instructions per character (it searches its composition tables for every starter),
    and it can only change text holding a character that composes with the one before it (a
    combining mark, a Hangul vowel or final): text that is NFC already after NFKD, which the fast
    quick-check answers, is its own composition.
    """
    out = unicodedata.normalize("NFKD", text)
    return out if unicodedata.is_normalized("NFC", out) else unicodedata.normalize("NFC", out)


def _nfkc(text: str) -> tuple[str, OffsetMap]:
    """NFKC with a position map. Most characters map one to one (full-width to ASCII); only the few
    that expand or vanish ("…" -> "...", "⑴" -> "(1)") need the map to change, so only they are
    handled one by one."""
    for a, b in _EXTRA:  # str.translate with a dict is slow on long texts; most have none of these
        if a in text:
            text = text.replace(a, b)
    out = nfkc(text)
    if len(out) == len(text):
        return out, OffsetMap()
    odd = {ch for ch in set(text) if len(nfkc(ch)) != 1}
    if not odd:
        return out, OffsetMap()  # composition changed the length; rare enough to map one to one
    pieces: list[str] = []
    starts, origins = [0], [0]
    last = pos = 0
    for m in re.finditer("|".join(map(re.escape, sorted(odd))), text):
        chunk = nfkc(text[last : m.start()])
        repl = nfkc(m.group(0))
        pieces += [chunk, repl]
        pos += len(chunk)
        for k in range(len(repl)):  # every character of an expansion points at what it expands
            starts.append(pos + k)
            origins.append(m.start())
        pos += len(repl)
        last = m.end()
        starts.append(pos)
        origins.append(last)
    pieces.append(nfkc(text[last:]))
    return "".join(pieces), OffsetMap(starts, origins)


@dataclass
class NormalText:
    """The normalised text of a report and the way back to the text the user has."""

    text: str
    original: str
    to_original: OffsetMap
    restored_lines: int = 0  # line breaks put back into a text that had lost them (rules.linebreaks)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return self.to_original.span(start, end)


def normalize(original: str, line_breaks: Callable[[str], list[int]] | None = None) -> NormalText:
    """One line end (CRLF -> LF), Simplified characters, NFKC, unified signs, no spaces inside CJK runs,
    no page footers, no trailing blanks.

    `line_breaks`: where a text that lost its line breaks had them (rules.linebreaks): whitespace
    positions made line breaks again, before the spaces inside CJK runs are dropped.
    """
    text, m = delete_spans(original, [(i, i + 1) for i in _crlf(original)])
    text, step = _nfkc(simplified(text))
    points = line_breaks(text) if line_breaks is not None else []
    if len(step.starts) > 1:
        m = step.then(m) if len(m.starts) > 1 else step
    inserts = [p for p in points if not text[p].isspace()]
    text = _breaks_at(text, [p for p in points if text[p].isspace()])
    if inserts:
        text, step = _insert_breaks(text, inserts)
        m = step.then(m) if len(m.starts) > 1 else step
    text, step = delete_spans(text, _removable(text))
    if len(step.starts) > 1:
        m = step.then(m) if len(m.starts) > 1 else step
    return NormalText(text, original, m, len(points))


def _breaks_at(text: str, points: list[int]) -> str:
    """`text` with the characters at `points` (whitespace) replaced by line breaks: one for one."""
    if not points:
        return text
    chars = list(text)
    for p in points:
        chars[p] = "\n"
    return "".join(chars)


def _insert_breaks(text: str, points: list[int]) -> tuple[str, OffsetMap]:
    """`text` with a line break inserted before each of `points` (sorted), and the map back: each
    inserted break points at the character it stands before, which keeps its own position."""
    pieces, starts, origins = [], [0], [0]
    last = 0
    for k, p in enumerate(points):
        pieces += [text[last:p], "\n"]
        starts += [p + k, p + k + 1]
        origins += [p, p]
        last = p
    pieces.append(text[last:])
    return "".join(pieces), OffsetMap(starts, origins)


def _crlf(text: str) -> list[int]:
    """Where the CR of each CRLF stands: deleted, so that a Windows line end is one line end, not two."""
    if "\r\n" not in text:
        return []
    return [m.start() for m in re.finditer("\r\n", text)]


_NUMBERING = re.compile(
    r"^(?:[#\s]*)(?:第[一二三四五六七八九十]+部分[、.,:]?|第?[一二三四五六七八九十]+[、.,:]|[(（][一二三四五六七八九十]+[)）][、.]?|\d{1,2}[.、,．](?!\d)|[(（]\d{1,2}[)）])"
)
_LABEL_NOISE = re.compile(r"[\s\"'“”‘’「」:：|#*_]")
# Separators reports write interchangeably inside labels ("逾期不补正、行政机关" / "逾期不补正，行政机关").
_LABEL_SEPARATORS = re.compile(r"[、,，;；.。()（）]")


@lru_cache(maxsize=4096)  # the same labels recur in every report; bounded, so batch memory stays flat
def label_key(label: str) -> str:
    """The comparable form of a table label: no numbering, whitespace, quotes, separators or markup."""
    label = nfkc(label)
    label = _LABEL_NOISE.sub("", label)
    return _LABEL_SEPARATORS.sub("", _NUMBERING.sub("", label))


def label_number(label: str) -> str | None:
    """The numbering a label carries ("（六）其他处理" -> "六", "3.其他" -> "3"), if any."""
    m = _NUMBERING.match(_LABEL_NOISE.sub("", nfkc(label)))
    if not m:
        return None
    return re.sub(r"[^一二三四五六七八九十0-9]", "", m.group(0)).removeprefix("第") or None


# Characters only Traditional Chinese uses, one of which every report in it prints (政府信息公開, 申請,
# 年度報告): text without them is read as it is (two scans in C), and the converter is not even loaded.
_TRADITIONAL = ("開", "報", "請")


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    import opencc  # only for the few reports in Traditional Chinese (mirror sites)

    return opencc.OpenCC("t2s").convert  # type: ignore[no-any-return]


def simplified(text: str) -> str:
    """Traditional Chinese (mirror sites) in Simplified characters, one character for one, so that
    every offset stays where it was (OpenCC's t2s; a phrase that changes length is converted by
    character instead)."""
    if not any(ch in text for ch in _TRADITIONAL):
        return text
    convert = _t2s()
    out = convert(text)
    if len(out) == len(text):
        return out
    return "".join(c if len(c := convert(ch)) == 1 else ch for ch in text)
