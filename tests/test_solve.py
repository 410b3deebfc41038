"""The blank solver against brute force: every blank every solution agrees on is derived, no other
blank is filled, and an open blank's range holds every value a solution gives it."""

from __future__ import annotations

import itertools
import random

import pytest

from extractor.core.schema import DISPUTE_PARTS, identities
from extractor.rules.solve import solve
from tests.synth import random_report

DISPUTE_RULES = tuple(r for r in identities("2021") if r.id.startswith("R4"))
TABLE3_RULES = tuple(r for r in identities("2019") if r.id[:2] in ("R1", "R2", "R3"))


def brute_force(rules, known: dict, blanks: list[str], top: int) -> dict[str, set[int]]:
    """Every value each blank takes in some solution with all blanks in 0..top."""
    binding = [r for r in rules if r.cell_set & set(blanks)]
    seen: dict[str, set[int]] = {b: set() for b in blanks}
    for combo in itertools.product(range(top + 1), repeat=len(blanks)):
        cells = {**known, **dict(zip(blanks, combo, strict=True))}
        if all(sum(cells[c] for c in r.lhs) == sum(cells[c] for c in r.rhs) for r in binding):
            for b, v in zip(blanks, combo, strict=True):
                seen[b].add(v)
    return seen


def check(rules, truth: dict, blanks: list[str], top: int) -> None:
    known = {f: v for f, v in truth.items() if f not in blanks and any(f in r.cell_set for r in rules)}
    solution = solve(rules, known)
    seen = brute_force(rules, known, blanks, top)
    assert solution.feasible
    for b in blanks:
        assert truth[b] in seen[b]  # the true table is a solution
        if len(seen[b]) == 1:
            assert solution.forced.get(b, (None,))[0] == truth[b], (b, seen[b], solution)
        else:
            assert b not in solution.forced, (b, seen[b], solution.forced[b])
            lo, hi = solution.ranges[b]
            assert lo <= min(seen[b]) and max(seen[b]) <= hi


def dispute_table(rng: random.Random) -> dict:
    truth = {}
    for group in ("reconsideration", "litigation_direct", "litigation_after_reconsideration"):
        parts = {f"disputes.{group}.{p}": rng.choice([0, 0, 1, 2, 3]) for p in DISPUTE_PARTS}
        truth |= parts | {f"disputes.{group}.total": sum(parts.values())}
    return truth


@pytest.mark.parametrize("seed", range(300))
def test_dispute_blanks_match_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    truth = dispute_table(rng)
    blanks = rng.sample(sorted(truth), rng.randint(1, 4))
    check(DISPUTE_RULES, truth, blanks, top=15)


@pytest.mark.parametrize("seed", range(40))
def test_table3_blanks_match_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    report = random_report(rng, "2019")
    truth = {f: v for f, v in report.items() if f.startswith("applications.")}
    # Small tables keep the brute force cheap: the blanks sit in one column whose values are small.
    column = rng.choice(["research", "social_org", "legal_service"])
    cells = sorted(f for f in truth if f.endswith("." + column))
    blanks = rng.sample(cells, rng.randint(1, 2))
    top = max(truth[c] for c in cells) + 2
    check(TABLE3_RULES, truth, blanks, top=top)


def test_printed_numbers_that_break_an_identity_fill_nothing() -> None:
    known = {"disputes.reconsideration.upheld": 4, "disputes.reconsideration.corrected": 3,
             "disputes.reconsideration.other": 0, "disputes.reconsideration.total": 5}  # fmt: skip
    solution = solve(DISPUTE_RULES[:1], known)
    assert not solution.feasible and not solution.forced


def test_two_identities_that_settle_one_cell_differently_have_no_solution() -> None:
    """R2.6 settles （六）其他处理 from its three rows; R2 settles it from the total and the other rows.
    When the two disagree the table has no solution, whichever identity is looked at first."""
    rules = tuple(r for r in identities("2021") if r.id in ("R2[natural_person]", "R2.6[natural_person]"))
    cells = sorted({c for r in rules for c in r.cell_set})
    known = dict.fromkeys(cells, 0)
    del known["applications.other_total.natural_person"]
    known["applications.other_other.natural_person"] = 8
    known["applications.processed_total.natural_person"] = 63  # R2 leaves 63 for （六）, R2.6 gives 8
    assert not solve(rules, known).feasible
    for order in (rules, rules[::-1]):
        assert not solve(order, known).feasible
    known["applications.processed_total.natural_person"] = 8
    assert solve(rules, known).forced["applications.other_total.natural_person"][0] == 8
