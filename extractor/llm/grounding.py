"""Is what the model said really in the report? Quotes located in the text, numbers found in quotes.

Matching is CJK-safe: both sides are compared after NFKC and with whitespace and the punctuation a
model tends to change (full-width/half-width commas, quotes) dropped, because a model copying
Chinese text rarely keeps the spacing of a PDF export. The offsets returned still point into the
original text.
"""

from __future__ import annotations

import re
from decimal import Decimal

from extractor.core.normalize import nfkc
from extractor.core.numbers import chinese_numeral

# Characters ignored when comparing a quote with the text.
_IGNORED = frozenset(" \t\r\n\u00a0\u3000,，。.;；:：、'\"“”‘’()（）[]【】|")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+")
# A quote shorter than this (after dropping ignored characters) is not evidence of anything.
MIN_QUOTE = 4


def _key(text: str) -> tuple[str, list[int]]:
    """The comparable form of `text` and, for each of its characters, the index it came from."""
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in nfkc(ch):
            if c not in _IGNORED:
                chars.append(c)
                index.append(i)
    return "".join(chars), index


def find_quote(quote: str, text: str) -> tuple[int, int] | None:
    """Offsets of `quote` in `text`, or None. Ambiguity does not matter: any occurrence is the quote."""
    q, _ = _key(quote)
    if len(q) < MIN_QUOTE:
        return None
    t, index = _key(text)
    at = t.find(q)
    if at < 0:
        return None
    return index[at], index[at + len(q) - 1] + 1


def numbers_in(quote: str) -> list[Decimal]:
    """Every number a quote states, with 万/亿 and 万元 read as multipliers and Chinese numerals read."""
    s = nfkc(quote)
    out: list[Decimal] = []
    for m in _NUMBER.finditer(s):
        raw = m.group(0)
        if raw[0].isdigit():
            n = Decimal(raw.replace(",", ""))
            after = s[m.end() : m.end() + 1]
            out.append(n)
            if after == "万":
                out.append(n * 10_000)
            elif after == "亿":
                out.append(n * 100_000_000)
        else:
            value = chinese_numeral(raw)
            if value is not None:
                out.append(Decimal(value))
    return out


# Words that state "none": the number 0 is in a quote that says there was none.
_NONE_WORDS = ("没有", "未", "无", "零")


def number_in_quote(value: float, quote: str) -> bool:
    """Does the quote state this value? 0 may also be stated as "没有/未/无"."""
    target = Decimal(str(value))
    if any(n == target for n in numbers_in(quote)):
        return True
    return target == 0 and any(w in quote for w in _NONE_WORDS)
