"""The narrative rules on the sentence set (tests/narrative_cases.py): every class exact, never
silently wrong, never certain of a fact the sentence does not state."""

from __future__ import annotations

from collections import Counter

import pytest

from extractor.core.normalize import normalize
from extractor.rules.narrative import read_narrative
from tests.narrative_cases import TEMPLATES, Case, cases, tally

CASES = cases()


def judge(case: Case) -> Counter[str]:
    """exact / silent / reviewed / false_certain counts for one sentence, read by the rules."""
    return tally(read_narrative(normalize(case.text), []).values, case)


def test_the_set_is_large_enough() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("cls", TEMPLATES)
def test_each_class_is_exact_and_never_silently_wrong(cls: str) -> None:
    total: Counter[str] = Counter()
    for case in (c for c in CASES if c.cls == cls):
        tally = judge(case)
        total += tally
        assert tally["silent"] == 0 and tally["false_certain"] == 0, (case.text, case.expected)
    assert total["exact"] >= 0.97 * total["judged"]
