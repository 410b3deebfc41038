"""Scoring against gold (flat-record.md): every metric on hand-made gold and prediction pairs.

The suite's "no silent errors" tests rest on these counters, so each one is shown to move exactly
when it should: a wrong or missing value outside review is silent; inside review it is not; a value
where gold is null is false certainty unless it is in review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.results.evaluate import Tally, gold_pairs, same, score

GOLD = {
    "report": "r.txt",
    "fields": {
        "applications.new_received.total": 14,
        "applications.granted.total": 6,
        "active.fees.amount": 0.59,
        "meta.organ": "某市某某局",
        "disputes.reconsideration.total": None,
    },
}


def flat(values: dict, review: list[str] = ()) -> dict:
    return {"source": "r.txt", "values": values, "confidence": dict.fromkeys(values, 0.99), "review": list(review)}


EXACT = {
    "applications.new_received.total": 14,
    "applications.granted.total": 6,
    "active.fees.amount": 0.59,
    "meta.organ": "某市某某局",
    "disputes.reconsideration.total": None,
}


def test_an_exact_record_scores_full_marks() -> None:
    s = score(flat(EXACT), GOLD).total
    assert (s.judged, s.exact, s.silent, s.reviewed, s.gold_null, s.false_certain) == (4, 4, 0, 0, 1, 0)
    assert s.accuracy == 1.0 and s.review_load == 0.0


@pytest.mark.parametrize(
    ("change", "silent"),
    [
        ({"applications.granted.total": 7}, 1),  # a wrong number
        ({"applications.granted.total": None}, 1),  # a silent null
        ({"meta.organ": "某市"}, 1),  # wrong text
        ({"active.fees.amount": 0.6}, 1),  # money off by a cent
    ],
)
def test_a_wrong_value_outside_review_is_silent(change: dict, silent: int) -> None:
    s = score(flat(EXACT | change), GOLD).total
    assert s.silent == silent and s.exact == 3 and s.accuracy == 0.75


def test_a_missing_field_is_silent_unless_in_review() -> None:
    values = {k: v for k, v in EXACT.items() if k != "applications.granted.total"}
    assert score(flat(values), GOLD).total.silent == 1
    reviewed = score(flat(values, ["applications.granted.total"]), GOLD)
    assert reviewed.total.silent == 0 and reviewed.total.reviewed == 1 and reviewed.total.exact == 3
    assert reviewed.wrong == [("applications.granted.total", 6, None, True)]


def test_a_wrong_value_in_review_is_not_silent_but_counts_as_load() -> None:
    s = score(flat(EXACT | {"applications.granted.total": 7}, ["applications.granted.total"]), GOLD).total
    assert (s.silent, s.reviewed, s.exact) == (0, 1, 3)
    assert s.review_load == 0.25


def test_a_value_where_gold_is_null_is_false_certainty_unless_in_review() -> None:
    certain = score(flat(EXACT | {"disputes.reconsideration.total": 0}), GOLD).total
    assert certain.false_certain == 1 and certain.silent == 0  # gold null is not judged
    doubted = score(flat(EXACT | {"disputes.reconsideration.total": 0}, ["disputes.reconsideration.total"]), GOLD)
    assert doubted.total.false_certain == 0


def test_sections_are_tallied_apart_and_summed() -> None:
    s = score(flat(EXACT | {"applications.granted.total": 7}), GOLD)
    assert s.by_section["applications"].silent == 1 and s.by_section["active"].silent == 0
    assert s.total.judged == sum(t.judged for t in s.by_section.values())


def test_tallies_add_up() -> None:
    a, b = Tally(judged=3, exact=2, silent=1), Tally(judged=1, exact=1, reviewed=1)
    a.add(b)
    assert (a.judged, a.exact, a.silent, a.reviewed) == (4, 3, 1, 1)


def test_numbers_compare_by_value_not_type() -> None:
    assert same(14, 14.0) and same(0.59, 0.59 + 1e-9)
    assert not same(1, True) and not same(0, None) and not same("14", 14)


def test_gold_pairs_find_each_report_beside_its_gold(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", "utf-8")
    (tmp_path / "a.gold.json").write_text("{}", "utf-8")
    (tmp_path / "b.gold.json").write_text("{}", "utf-8")  # no report: not a pair
    assert gold_pairs([tmp_path]) == [(tmp_path / "a.txt", tmp_path / "a.gold.json")]
