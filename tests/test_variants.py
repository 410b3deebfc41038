"""Metamorphic tests: every corpus report re-written the ways real pages differ reads as its original.

Each variant is a rewrite a real page goes through (headings numbered another way, line breaks lost,
Windows line ends, a Traditional-Chinese mirror, page footers, full-width digits). Whatever the
variant changes, no field may differ from gold outside review: the rewrite may cost certainty, never
a silent error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor import extract
from extractor.results.evaluate import score
from tests.conftest import corpus_reports, gold_of
from tests.synth import LINE_LOSING, PAGE_REWRITES

VARIANTS = {**{k: v for k, v in PAGE_REWRITES.items() if k != "as-is"}, **LINE_LOSING}
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
