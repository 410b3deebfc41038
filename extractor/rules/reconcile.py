"""Check every identity, fill only what the arithmetic forces, and say how far each value can be trusted.

A blank cell is an unknown >= 0. An identity with one unknown forces it; an identity whose known side
already balances forces every unknown on the other side to 0 (non-negativity). Nothing else is
filled: a blank the identities leave open stays null and goes to review. A printed value that breaks
an identity is kept as printed: `source_inconsistent` when the parse behind it is sound, `review`
when the parse itself may be at fault.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from extractor.core import confidence as tier
from extractor.core.arithmetic import EPS, holds
from extractor.core.schema import Check, Format, Identity, Outcome, Value, identities, r5_holds
from extractor.rules.solve import solve

Numeric = int | float


def _known(values: dict[str, Value]) -> dict[str, Numeric]:
    """The numbers the arithmetic may rely on: parsed or derived values whose parse is not in doubt."""
    # type() rather than isinstance: a bool is not a count, and this runs for every field.
    return {
        fid: x for fid, v in values.items() if (type(x := v.value) is int or type(x) is float) and v.status != "review"
    }


@dataclass(frozen=True)
class _Plan:
    """The rules of one format for one set of printed tables, worked out once and reused."""

    rules: tuple[Identity, ...]
    hard: tuple[Identity, ...]  # the identities of the printed tables: their blanks may be solved
    soft: tuple[Identity, ...]  # R7: prose against tables
    hard_cells: tuple[str, ...]  # in rule order, so records list fields in a stable order
    hard_cell_set: frozenset[str]
    all_cells: frozenset[str]
    by_id: dict[str, Identity]
    passed: dict[str, Check]  # rule id -> its passing check, one object shared by every report


@cache
def _plan(fmt: Format, tables: tuple[str, ...]) -> _Plan:
    present = tuple(f"{t}." for t in tables)
    rules = identities(fmt) if fmt in ("2019", "2021") else ()
    hard = tuple(r for r in rules if not r.soft and r.lhs[0].startswith(present))
    hard_cells = tuple(dict.fromkeys(c for r in hard for c in r.cells))
    return _Plan(
        rules=rules,
        hard=hard,
        soft=tuple(r for r in rules if r.soft),
        hard_cells=hard_cells,
        hard_cell_set=frozenset(hard_cells),
        all_cells=frozenset(c for r in rules for c in r.cells),
        by_id={r.id: r for r in rules},
        passed={r.id: Check(r.id, "PASS", r.cells) for r in rules},
    )


def reconcile(
    values: dict[str, Value],
    fmt: Format,
    tables: Iterable[str],
    sound: dict[str, bool],
    restored_layout: bool = False,
    in_row: set[str] | frozenset[str] = frozenset(),
) -> list[Check]:
    """Reconcile `values` (field id -> Value, modified in place) for a report of format `fmt`.

    `tables` names the tables the report has ("applications", "disputes"); only their cells are
    unknowns the arithmetic may solve. `restored_layout`: the report had lost its line breaks and its
    rows were found again by their labels (rules.linebreaks); then only the arithmetic can vouch
    for where a cell stands, except for the cells in `in_row` (read from a `|` row holding their label).
    """
    plan = _plan(fmt, tuple(tables))
    if not plan.hard_cell_set <= values.keys():
        for fid in plan.hard_cells:
            if fid not in values:
                values[fid] = Value(status="missing")
    known = _known(values)
    ranges: dict[str, tuple[float, float]] = {}
    if not plan.hard_cell_set <= known.keys():  # a fully printed table has nothing to solve
        # The common blanks first, cheaply (one unknown in an identity, or a side that balances);
        # what they leave open goes to the exact solver (rules.solve), which finds the same values.
        _propagate(values, known, plan.hard, soft=False)
        if not plan.hard_cell_set <= known.keys():
            solution = solve(plan.hard, known)
            for fid, (number, why) in solution.forced.items():
                known[fid] = _derive(values, fid, number, why, soft=False)
            ranges = solution.ranges
    # Prose totals (R7) may settle a table group the table leaves entirely blank; such values are
    # only as good as the prose, so they go to review.
    usable = [r for r in plan.soft if r.lhs[0] in known and all(c in values for c in r.rhs)]
    if _propagate(values, known, usable, soft=True):
        _propagate(values, known, plan.hard, soft=True)
    if plan.all_cells <= values.keys():
        checked = plan.rules
    else:
        checked = tuple(r for r in plan.rules if values.keys() >= r.cell_set)
    checks = [_check(known, values, r, plan.passed) for r in checked]
    _apply(values, checks, checked, plan.by_id, sound, ranges)
    if restored_layout:
        _doubt_unplaced_cells(values, checks, in_row)
    return checks


# Identities that bind cells of different rows, and so confirm where each cell stands; a row's own
# total (R3) holds just as well on the right numbers under the wrong label.
_PLACING = ("R1[", "R2[", "R2.6[", "R4[")
RESTORED_DOUBT = (
    "the report had lost its line breaks: its rows were found again by their labels, "
    "and no identity confirms where this cell stands"
)


def _doubt_unplaced_cells(values: dict[str, Value], checks: list[Check], in_row: set[str] | frozenset[str]) -> None:
    """Review every printed cell no identity across rows places. An identity that holds because one of
    its cells was derived from it confirms nothing (it was made to hold); the others still check."""
    placed: set[str] = set()
    for chk in checks:
        made_to_hold = any(chk.rule in forced_by(values[c]) for c in chk.cells)
        if chk.outcome == "PASS" and chk.rule.startswith(_PLACING) and not made_to_hold:
            placed.update(chk.cells)
    for fid, v in values.items():
        if v.value is None or v.source != "table_cell" or v.status not in ("parsed", "source_inconsistent"):
            continue
        if fid not in placed and fid not in in_row:
            v.review.append(RESTORED_DOUBT)
            v.confidence = min(v.confidence, tier.REVIEW_CAP)


def _propagate(values: dict[str, Value], known: dict[str, Numeric], rules: Sequence[Identity], soft: bool) -> bool:
    any_change = False
    # Rules with an unknown left, the smallest first: a cell an identity of its own group forces (（六）其他处理
    # from its three rows, R2.6) is derived from that one, and the wider identity (R2) still checks it.
    open_rules = sorted((r for r in rules if not r.cell_set <= known.keys()), key=lambda r: len(r.lhs) + len(r.rhs))
    while open_rules:
        changed = False
        for rule in open_rules:
            lhs_unknown = [c for c in rule.lhs if c not in known]
            rhs_unknown = [c for c in rule.rhs if c not in known]
            if not lhs_unknown and not rhs_unknown:
                continue
            diff = sum(known[c] for c in rule.lhs if c in known) - sum(known[c] for c in rule.rhs if c in known)
            if len(lhs_unknown) + len(rhs_unknown) == 1:
                forced = {lhs_unknown[0]: -diff} if lhs_unknown else {rhs_unknown[0]: diff}
            elif not rhs_unknown and abs(diff) < EPS:
                forced = dict.fromkeys(lhs_unknown, 0)
            elif not lhs_unknown and abs(diff) < EPS:
                forced = dict.fromkeys(rhs_unknown, 0)
            else:
                continue
            for fid, val in forced.items():
                if val < -EPS or (rule.soft and fid in rule.lhs):
                    continue  # infeasible (the check will say so), or prose filled from a table
                known[fid] = _derive(values, fid, val, rule.id, soft)
                changed = any_change = True
        if not changed:
            break
        open_rules = [r for r in open_rules if not r.cell_set <= known.keys()]
    return any_change


def _derive(values: dict[str, Value], fid: str, val: Numeric, why: str, soft: bool) -> Numeric:
    old = values.get(fid) or Value()
    number = round(val) if abs(val - round(val)) < EPS else val
    printed = "blank" if old.status == "blank" else "nothing"
    values[fid] = Value(
        value=number,
        status="derived",
        source="rule",
        evidence=old.evidence,
        raw=old.raw,
        note=f"forced by {why}{' ' + _FROM_PROSE if soft else ''}; printed {printed}",
        review=[f"filled from a prose total through {why}; the table leaves it blank"] if soft else [],
    )
    return number


def _check(known: dict[str, Numeric], values: dict[str, Value], rule: Identity, passed: dict[str, Check]) -> Check:
    if holds(rule, known):  # the common case
        return passed[rule.id]
    outcome: Outcome
    lhs, lhs_unknown = _side(known, rule.lhs)
    rhs, rhs_unknown = _side(known, rule.rhs)
    if rule.soft and (lhs_unknown or rhs_unknown == len(rule.rhs)):
        outcome = "NOT_ASSESSABLE"
    elif not lhs_unknown and not rhs_unknown:
        outcome = "PASS" if abs(lhs - rhs) < EPS else "FAIL"
    elif lhs_unknown and rhs_unknown:
        outcome = "NOT_ASSESSABLE"
    elif lhs_unknown:
        outcome = "NOT_ASSESSABLE" if rhs - lhs >= -EPS else "FAIL"
    else:
        outcome = "NOT_ASSESSABLE" if lhs - rhs >= -EPS else "FAIL"
    # The detail is for people reading a failure or an open identity; a pass needs none.
    detail = "" if outcome == "PASS" else f"{_fmt(values, rule.lhs)} = {_fmt(values, rule.rhs)}"
    return Check(rule.id, outcome, rule.cells, detail)


def _side(known: dict[str, Numeric], cells: tuple[str, ...]) -> tuple[Numeric, int]:
    """The sum of the known cells of one side of an identity, and how many are unknown."""
    total: Numeric = 0
    unknown = 0
    for c in cells:
        x = known.get(c)
        if x is None:
            unknown += 1
        else:
            total += x
    return total, unknown


def _fmt(values: dict[str, Value], cells: tuple[str, ...]) -> str:
    return " + ".join("_" if (v := values.get(c)) is None or v.value is None else str(v.value) for c in cells)


@lru_cache(maxsize=256)  # a few outcome patterns recur across a batch; bounded, so memory stays flat
def _per_field(
    checked: tuple[Identity, ...], outcomes: tuple[str, ...]
) -> dict[str, tuple[tuple[str, ...], bool, tuple[int, ...]]]:
    """Field id -> (its rules as "RULE:OUTCOME", whether one of them passes, the failing ones)."""
    found: dict[str, list[int]] = {}
    for i, rule in enumerate(checked):
        for c in rule.cells:
            found.setdefault(c, []).append(i)
    return {
        fid: (
            tuple(f"{checked[i].id}:{outcomes[i]}" for i in ixs),
            any(outcomes[i] == "PASS" for i in ixs),
            tuple(i for i in ixs if outcomes[i] == "FAIL"),
        )
        for fid, ixs in found.items()
    }


_NO_RULES: tuple[tuple[str, ...], bool, tuple[int, ...]] = ((), False, ())
_FROM_PROSE = "(prose total)"  # in the note of a cell _derive filled through R7 (and what that forced)


def _circular(checked: tuple[Identity, ...], values: dict[str, Value]) -> frozenset[str]:
    """The R7 rules whose table side holds a cell filled from the prose: their PASS compares the
    prose with itself and confirms nothing."""
    return frozenset(
        r.id for r in checked if r.soft and any(_FROM_PROSE in (values[c].note or "") for c in r.rhs if c in values)
    )


_COUNTED = ("applications.", "disputes.")


def _apply(
    values: dict[str, Value],
    checks: list[Check],
    checked: tuple[Identity, ...],
    rules: dict[str, Identity],
    sound: dict[str, bool],
    ranges: dict[str, tuple[float, float]],
) -> None:
    # Runs once per field of every report: what depends only on the outcomes is worked out once.
    per_field = _per_field(checked, tuple(chk.outcome for chk in checks))
    circular = _circular(checked, values)
    for fid, v in values.items():
        tags, passed, failing = per_field.get(fid, _NO_RULES)
        v.rules = tags
        value = v.value
        if circular and passed and v.source in ("sentence", "model"):
            passed = any(t.endswith(":PASS") and t.rsplit(":", 1)[0] not in circular for t in tags)
            if not passed:
                v.review.append("R7 holds only against table cells filled from this same prose; nothing confirms it")
        # Most fields: a printed count no rule finds fault with (_confidence, inlined).
        if (
            type(value) is int
            and value >= 0
            and not failing
            and v.source == "table_cell"
            and v.status == "parsed"
            and not v.review
        ):
            v.confidence = _TABLE_CELL[passed, sound.get(fid, False)]
            continue
        if value is not None and not (type(value) is int and value >= 0) and not r5_holds(fid, value):
            v.review.append("R5: a count must be a whole number >= 0")
        for i in failing:
            _flag_failure(values, fid, v, checks[i], rules[checks[i].rule], sound)
        if v.source == "model" and not passed:
            v.review.append("read by the model only; no rule or table confirms it")
        if value is None and (v.status == "blank" or (tags and fid.startswith(_COUNTED))):
            what = "blank cell" if v.status == "blank" else "not found in the table"
            lo, hi = ranges.get(fid, (0.0, math.inf))
            allowed = f" (the identities allow {lo:g} to {hi:g})" if hi != math.inf else ""
            v.review.append(f"{what}: no identity settles its value{allowed}")
        v.confidence = _confidence(v, passed, sound.get(fid, False), fid.startswith(_COUNTED))


def _flag_failure(values: dict[str, Value], fid: str, v: Value, chk: Check, rule: Identity, sound: dict) -> None:
    if rule.soft:
        if fid in rule.lhs:
            v.review.append(f"{chk.rule}: the prose and the table disagree ({chk.detail})")
        return
    v.review.append(f"{chk.rule} fails: {chk.detail}")
    if v.status == "parsed":
        printed = [c for c in chk.cells if values[c].status == "parsed"]
        v.status = "source_inconsistent" if all(sound.get(c, False) for c in printed) else "review"


# A printed table cell: (a rule involving it holds, its row label matched soundly) -> confidence.
_TABLE_CELL = {
    (True, True): tier.CELL_CONFIRMED,
    (False, True): tier.CELL_UNCHECKED,
    (True, False): tier.CELL_UNSURE_LABEL,
    (False, False): tier.CELL_UNSURE_LABEL,
}


def _confidence(v: Value, passed: bool, sound: bool, table: bool = False) -> float:
    """How far the value can be trusted; `passed`: a rule involving it holds with every cell known;
    `table`: a table cell (one the model re-read is as good as a cell placed without a sure label)."""
    if v.status == "source_inconsistent":
        return tier.BROKEN
    if v.value is None:
        return tier.BROKEN if v.review else tier.PROSE
    if v.status == "derived":
        base = tier.FORCED
    elif v.source == "table_cell" or (v.source == "model" and table):
        base = _TABLE_CELL[passed, sound]
    elif v.source in ("sentence", "model"):  # a prose figure the table confirms (R7) is as good as the cell
        base = tier.PROSE_CONFIRMED if passed else v.confidence or tier.PROSE_ZERO
    else:
        base = v.confidence or tier.PROSE
    return min(base, tier.REVIEW_CAP) if v.review else base


def forced_by(v: Value) -> tuple[str, ...]:
    """The identities a derived value was forced by (its note, written by _derive)."""
    if v.status != "derived" or not v.note or not v.note.startswith("forced by "):
        return ()
    return tuple(v.note[len("forced by ") :].split(";", 1)[0].split(" (", 1)[0].split(" + "))


def doubt_derived(values: dict[str, Value], fmt: Format) -> None:
    """A value the arithmetic forced is only as sure as the cells it was forced from: one of them in
    review (a misread digit, a failing identity, a cell no identity places) sends it to review too,
    and so on down a chain of derived cells, unless another identity holds with it on cells that
    were read and are in no doubt (it confirms the value on its own). Run once every stage has added
    its doubts."""
    by_id = _plan(fmt, ()).by_id if fmt in ("2019", "2021") else {}
    changed = True
    while changed:
        changed = False
        for fid, v in values.items():
            if v.review or not (why := forced_by(v)):
                continue
            doubtful = sorted({c for rule in why for c in _other_cells(by_id, rule, fid) if _in_doubt(values.get(c))})
            if doubtful and not _confirmed_apart(values, by_id, fid, v, why):
                more = f" and {len(doubtful) - 3} more" if len(doubtful) > 3 else ""
                v.review.append(f"forced from cells in review ({', '.join(doubtful[:3])}{more})")
                v.confidence = min(v.confidence, tier.REVIEW_CAP)
                changed = True


def _other_cells(by_id: dict[str, Identity], rule: str, fid: str) -> tuple[str, ...]:
    r = by_id.get(rule)
    return tuple(c for c in r.cells if c != fid) if r is not None else ()


def _in_doubt(v: Value | None) -> bool:
    return v is not None and v.value is not None and bool(v.review)


def _confirmed_apart(
    values: dict[str, Value], by_id: dict[str, Identity], fid: str, v: Value, why: tuple[str, ...]
) -> bool:
    """Another identity than the ones `v` was forced by holds with it, every other cell of it read as
    printed and in no doubt."""
    for outcome in v.rules:
        rule, _, result = outcome.rpartition(":")
        if result != "PASS" or rule in why or rule not in by_id or by_id[rule].soft:
            continue
        others = [values.get(c) for c in _other_cells(by_id, rule, fid)]
        if all(u is not None and u.value is not None and u.status != "derived" and not u.review for u in others):
            return True
    return False
