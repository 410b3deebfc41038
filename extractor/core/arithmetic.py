"""The one test of an identity — the sum of one side equals the sum of the other — for every stage.

The reconciler, the glued-cell splitter, the model's table re-read, the reviewers' corrections and the
review app all ask the same question of an identity; they ask it here, so that "holds" means one
thing everywhere. Compiled with the core (the reconciler asks it ~100 times per report).
"""

from __future__ import annotations

from collections.abc import Mapping

from extractor.core.schema import Identity, Outcome

EPS = 1e-6  # sums of decimals (money) are compared with this tolerance; counts are whole


def _number(x: object) -> int | float | None:
    # type() rather than isinstance: a bool is not a count.
    return x if type(x) is int or type(x) is float else None  # type: ignore[return-value]


def side_sum(numbers: Mapping[str, object], cells: tuple[str, ...]) -> int | float | None:
    """The sum of `cells`, or None when one of them has no number."""
    total: int | float = 0
    for c in cells:
        x = _number(numbers.get(c))
        if x is None:
            return None
        total += x
    return total


def holds(rule: Identity, numbers: Mapping[str, object]) -> bool | None:
    """Does `rule` hold on `numbers`? None when a cell has no number (not assessable)."""
    lhs = side_sum(numbers, rule.lhs)
    rhs = side_sum(numbers, rule.rhs) if lhs is not None else None
    if lhs is None or rhs is None:
        return None
    return abs(lhs - rhs) < EPS


def outcome(rule: Identity, numbers: Mapping[str, object]) -> Outcome:
    """PASS or FAIL when every cell of `rule` is a number, NOT_ASSESSABLE otherwise."""
    ok = holds(rule, numbers) if rule.cells else None
    return "NOT_ASSESSABLE" if ok is None else "PASS" if ok else "FAIL"
