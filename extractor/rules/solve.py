"""The blanks the identities force, found exactly: bounds propagation, then a capped search.

Every blank (or missing) cell of a printed table is an unknown whole number >= 0, and every identity
of the table (R1–R4) binds it. A blank is derived only when every solution of all the identities
together gives it the same value; a blank they leave open keeps the range they allow, for the person
who reviews it. Nothing is filled when the printed numbers already break an identity: there is no
solution to speak of, and the failing check says so.

1. Bounds: from `sum(lhs) = sum(rhs)`, each unknown lies between what the other cells leave over at
   least and at most. Tightening every bound until nothing moves settles most tables (one unknown per
   identity, or a side that already balances, forcing the rest to 0) and is sound: a bound is only
   ever a consequence of the identities.
2. Search: the unknowns still open are tried, value by value within their bounds, over all the
   identities that bind them; a value every solution shares is forced. The search is capped
   (MAX_LEAVES); past the cap the blanks stay open, in review.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractor.core.schema import Identity

INF = math.inf
MAX_ROUNDS = 200  # bound tightening: at most this many visits per identity
MAX_LEAVES = 20_000  # assignments tried by the search, per group of linked unknowns
_EPS = 1e-9


@dataclass
class Solution:
    feasible: bool = True
    forced: dict[str, tuple[int, str]] = field(default_factory=dict)  # cell -> (value, why)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # open cell -> (lo, hi)


def solve(rules: Sequence[Identity], known: dict[str, int | float]) -> Solution:
    """The cells of `rules` not in `known` that the identities force, and the ranges of the others."""
    active = [r for r in rules if not r.cell_set <= known.keys()]
    if not active or any(_decimal(known[c]) for r in active for c in r.cells if c in known):
        return Solution()  # nothing to solve, or decimals (money): not the integer counts solved here
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    for r in active:
        for c in r.cells:
            if c not in known:
                lo[c], hi[c] = 0.0, INF
    why: dict[str, str] = {}
    if not _tighten(active, known, lo, hi, why):
        return Solution(feasible=False)
    solution = Solution()
    open_cells = [c for c in lo if lo[c] != hi[c]]
    if open_cells and not _search(active, known, lo, hi, open_cells, why):
        return Solution(feasible=False)
    for c in lo:
        if lo[c] == hi[c]:
            solution.forced[c] = (int(lo[c]), why.get(c, ""))
        else:
            solution.ranges[c] = (lo[c], hi[c])
    return solution


def _settled_sum(r: Identity, known: dict[str, int | float], lo: dict[str, float]) -> float:
    """lhs - rhs of `r`, every cell known or settled (lo == hi)."""
    total = 0.0
    for sign, cells in ((1.0, r.lhs), (-1.0, r.rhs)):
        for c in cells:
            total += sign * (known[c] if c in known else lo[c])
    return total


def _decimal(x: int | float) -> bool:
    return type(x) is float and not x.is_integer()


def _side(cells: tuple[str, ...], known: dict[str, int | float], bound: dict[str, float]) -> tuple[float, int]:
    """The sum of a side with each unknown at `bound`, as (finite part, how many are infinite)."""
    total = 0.0
    infinite = 0
    for c in cells:
        if c in known:
            total += known[c]
        elif bound[c] == INF:
            infinite += 1
        else:
            total += bound[c]
    return total, infinite


def _tighten(
    rules: list[Identity],
    known: dict[str, int | float],
    lo: dict[str, float],
    hi: dict[str, float],
    why: dict[str, str],
) -> bool:
    """Tighten the bounds until they hold still; False when they cross (no solution). A worklist:
    an identity is looked at again only when a bound of one of its cells moved."""
    binding: dict[str, list[Identity]] = {}
    for r in rules:
        for c in r.cells:
            if c in lo:
                binding.setdefault(c, []).append(r)
    queue = list(rules)
    queued = set(map(id, queue))
    visits = 0
    while queue and visits < MAX_ROUNDS * len(rules):
        r = queue.pop()
        queued.discard(id(r))
        visits += 1
        moved = _tighten_one(r, known, lo, hi, why)
        if moved is None:
            return False
        for x in moved:
            for other in binding[x]:
                if id(other) not in queued:
                    queue.append(other)
                    queued.add(id(other))
    return True


def _tighten_one(
    r: Identity, known: dict[str, int | float], lo: dict[str, float], hi: dict[str, float], why: dict[str, str]
) -> list[str] | None:
    """Tighten the bounds of `r`'s unknowns from `r` alone: the cells whose bounds moved, or None
    when a lower bound passes an upper one, or when every cell is settled and the identity fails (a
    cell another identity settled first is never revisited as an unknown, so it is checked here)."""
    moved: list[str] = []
    if all(c in known or lo[c] == hi[c] for c in r.cells):
        return None if abs(_settled_sum(r, known, lo)) > _EPS else moved
    for side, other in ((r.lhs, r.rhs), (r.rhs, r.lhs)):
        other_lo, _ = _side(other, known, lo)
        other_hi, other_inf = _side(other, known, hi)
        side_lo, _ = _side(side, known, lo)
        side_hi, side_inf = _side(side, known, hi)
        for x in side:
            if x in known or lo[x] == hi[x]:
                continue
            rest_lo = side_lo - lo[x]
            x_inf = 1 if hi[x] == INF else 0
            rest_hi = INF if side_inf - x_inf > 0 else side_hi - (0.0 if x_inf else hi[x])
            new_hi = INF if other_inf else math.floor(other_hi - rest_lo + _EPS)
            new_lo = -INF if rest_hi == INF else math.ceil(other_lo - rest_hi - _EPS)
            if new_hi < hi[x] or new_lo > lo[x]:
                hi[x], lo[x] = min(hi[x], new_hi), max(lo[x], new_lo)
                moved.append(x)
                if lo[x] > hi[x]:
                    return None
                if lo[x] == hi[x]:
                    why[x] = r.id
    return moved


def _search(
    rules: list[Identity],
    known: dict[str, int | float],
    lo: dict[str, float],
    hi: dict[str, float],
    open_cells: list[str],
    why: dict[str, str],
) -> bool:
    """Settle by search the open cells of each group of linked unknowns whose bounds are small enough;
    narrow their bounds to the values some solution takes. False when a group has no solution."""
    for group in _groups(rules, open_cells):
        if any(hi[c] == INF for c in group) or math.prod(int(hi[c] - lo[c]) + 1 for c in group) > MAX_LEAVES:
            continue  # too many to try: these blanks stay open, in review with their bounds
        binding = [r for r in rules if r.cell_set & set(group)]
        seen: dict[str, set[int]] = {c: set() for c in group}
        found = _enumerate(group, 0, {}, binding, known, lo, hi, seen)
        if not found:
            return False
        for c in group:
            lo[c], hi[c] = float(min(seen[c])), float(max(seen[c]))
            if lo[c] == hi[c]:
                why[c] = " + ".join(sorted({r.id for r in binding if c in r.cell_set}))
    return True


def _enumerate(
    group: list[str],
    k: int,
    chosen: dict[str, int],
    binding: list[Identity],
    known: dict[str, int | float],
    lo: dict[str, float],
    hi: dict[str, float],
    seen: dict[str, set[int]],
) -> bool:
    """Try every value of group[k:] within bounds; record in `seen` each value a solution takes."""
    if k == len(group):
        if all(_holds(r, known, chosen, lo) for r in binding):
            for c, v in chosen.items():
                seen[c].add(v)
            return True
        return False
    c = group[k]
    any_found = False
    for v in range(int(lo[c]), int(hi[c]) + 1):
        chosen[c] = v
        if _enumerate(group, k + 1, chosen, binding, known, lo, hi, seen):
            any_found = True
    del chosen[c]
    return any_found


def _holds(r: Identity, known: dict[str, int | float], chosen: dict[str, int], lo: dict[str, float]) -> bool:
    """The identity on known cells, chosen cells and, for cells of other groups, their settled value."""
    total = 0.0
    for sign, cells in ((1.0, r.lhs), (-1.0, r.rhs)):
        for c in cells:
            if c in known:
                total += sign * known[c]
            elif c in chosen:
                total += sign * chosen[c]
            else:
                total += sign * lo[c]  # settled by the bounds (lo == hi) or open in another group
    return abs(total) < 1e-6


def _groups(rules: list[Identity], cells: list[str]) -> list[list[str]]:
    """The open cells in groups linked by a shared identity (each group is searched on its own)."""
    parent = {c: c for c in cells}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for r in rules:
        members = [c for c in r.cells if c in parent]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[str, list[str]] = {}
    for c in cells:
        groups.setdefault(root(c), []).append(c)
    return list(groups.values())
