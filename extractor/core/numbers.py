"""Read the numbers reports print: units, signs, thousands separators, placeholders, Chinese numerals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

Kind = Literal["count", "signed", "money"]

# Cells that say "nothing here" (spec §7.5); they are blanks, not zeros.
PLACEHOLDERS = frozenset({"", "/", "-", "—", "——", "–", "无", "空", "nbsp"})

_MULTIPLIER = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
# One number with an optional sign word and unit, e.g. "增744", "-21", "25.11万件", "251000元", "1,234".
_CELL = re.compile(
    r"^(?P<sign>增加|减少|增|减|[+-])?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<mult>[万亿])?\s*(?P<unit>万元|亿元|元|件|项|条|个|次|篇)?$"
)
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


@dataclass(frozen=True)
class Number:
    """A number as printed and as a value in the unit the schema asks for."""

    value: int | float
    raw: str


def plain_count(text: str) -> bool:
    """Plain ASCII digits: a count with no sign, unit or separator, as most cells print it. Callers
    test this before the cached parse_cell, whose cache lookup costs more than the parse."""
    return text.isdigit() and text.isascii()


@lru_cache(maxsize=4096)  # cells repeat endlessly ("0", "", "/"); small, so batch memory stays flat
def parse_cell(text: str, kind: Kind = "count", unit: str = "件") -> Number | Literal["blank"] | None:
    """Parse a table cell. Returns a Number, "blank" for an empty or placeholder cell, None for text.

    `unit` is the schema's unit for the cell: money cells are wanted in 万元, so "251000元" becomes
    25.1 and "13.02亿元" becomes 130200; counts printed as "25.11万件" become 251100.
    """
    s = text.strip().replace(" ", "")
    if plain_count(s):
        return Number(float(s) if kind == "money" else int(s), text.strip())
    if s in PLACEHOLDERS:
        return "blank"
    m = _CELL.match(s)
    if not m:
        return None
    amount = Decimal(m.group("num").replace(",", ""))
    mult = m.group("mult")
    printed_unit = m.group("unit") or ""
    if printed_unit == "万元":
        mult, printed_unit = "万", "元"
    elif printed_unit == "亿元":
        mult, printed_unit = "亿", "元"
    if mult:
        amount *= _MULTIPLIER[mult]
    if kind == "money" and unit == "万元" and (printed_unit == "元" or mult):
        amount /= _MULTIPLIER["万"]
    sign = m.group("sign") or ""
    if sign in ("减", "减少", "-"):
        if kind != "signed" and amount != 0:
            return None  # a negative count is not a reading of this cell
        amount = -amount
    return Number(_plain(amount, kind), text.strip())


def _plain(amount: Decimal, kind: Kind) -> int | float:
    if kind != "money" and amount == amount.to_integral_value():
        return int(amount)
    # Money keeps its decimals; normalize() drops the trailing zeros Decimal carries after division.
    return float(amount.normalize())


def chinese_numeral(text: str) -> int | None:
    """Value of a simple Chinese numeral ("十二", "三百零五", "两"), or None."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS and ch != "万" for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:  # 万
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
    return total + section + (digit or 0)
