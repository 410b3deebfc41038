"""Metamorphic tests: every corpus report re-written the ways real pages differ reads as its original.

Each variant is a rewrite a real page goes through (headings numbered another way, line breaks lost,
Windows line ends, a Traditional-Chinese mirror, page footers, full-width digits). Whatever the
variant changes, no field may differ from gold outside review: the rewrite may cost certainty, never
a silent error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import opencc
import pytest

from extractor import extract
from extractor.results.evaluate import score
from tests.conftest import corpus_reports, gold_of

CN = "一二三四五六"


def renumber(style: str) -> Callable[[str], str]:
    def one(m: re.Match[str]) -> str:
        i = CN.index(m.group(1)) + 1
        return {"dot": f"{i}. ", "dun": f"{i}、", "part": f"第{m.group(1)}部分 "}[style]

    return lambda text: re.sub(r"(?m)^([一二三四五六])、", one, text)


def footers(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(line + (f"\n第 {i // 25 + 1} 页 共 9 页" if i % 25 == 24 else "") for i, line in enumerate(lines))


VARIANTS: dict[str, Callable[[str], str]] = {
    "heading-dot": renumber("dot"),
    "heading-dun": renumber("dun"),
    "heading-part": renumber("part"),
    "one-line": lambda text: re.sub(r"\s*\n\s*", " ", text),
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "traditional": opencc.OpenCC("s2t").convert,
    "footers": footers,
    "full-width-digits": lambda text: text.translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}),
}
TEXT_REPORTS = [p for p in corpus_reports() if p.suffix in (".txt", ".md")]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("path", TEXT_REPORTS, ids=lambda p: p.stem)
def test_a_rewritten_report_has_no_silent_difference(path: Path, variant: str) -> None:
    text = VARIANTS[variant](path.read_text("utf-8"))
    result = score(extract(text=text, name=path.name).flat(), gold_of(path))
    silent = [(fid, gold, got) for fid, gold, got, in_review in result.wrong if not in_review]
    assert silent == [], f"{variant}: {silent[:5]}"


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "one-line"])
def test_a_rewrite_that_keeps_the_lines_keeps_every_value(variant: str) -> None:
    """Rewrites that keep the lines lose nothing at all: every field exactly as in the original."""
    for path in TEXT_REPORTS:
        original = extract(path).flat()["values"]
        rewritten = extract(text=VARIANTS[variant](path.read_text("utf-8")), name=path.name).flat()["values"]
        assert rewritten == original, path.name
