"""Check every identity, fill only what the arithmetic forces, and say how far each value can be trusted.

A blank cell is an unknown >= 0. An identity with one unknown forces it; an identity whose known side
already balances forces every unknown on the other side to 0 (non-negativity). Nothing else is
filled: a blank the identities leave open stays null and goes to review. A printed value that breaks
an identity is kept as printed: `source_inconsistent` when the parse behind it is sound, `review`
when the parse itself may be at fault.
"""

from __future__ import annotations

from collections.abc import Iterable

from extractor.schema import Check, Identity, Value, identities, r5_holds

Numeric = int | float
EPS = 1e-6


def _is_known(v: Value | None) -> bool:
    return v is not None and isinstance(v.value, (int, float)) and v.status != "review"


def reconcile(values: dict[str, Value], fmt: str, tables: Iterable[str], sound: dict[str, bool]) -> list[Check]:
    """Reconcile `values` (field id -> Value, modified in place) for a report of format `fmt`.

    `tables` names the tables the report has ("applications", "disputes"); only their cells are
    unknowns the arithmetic may solve.
    """
    present = tuple(f"{t}." for t in tables)
    rules = identities(fmt) if fmt in ("2019", "2021") else []
    hard = [r for r in rules if not r.soft and all(c.startswith(present) for c in r.cells)]
    soft = [r for r in rules if r.soft]
    for fid in {c for r in hard for c in r.cells}:
        values.setdefault(fid, Value(status="missing"))
    _propagate(values, hard, "")
    # Prose totals (R7) may settle a table group the table leaves entirely blank; such values are
    # only as good as the prose, so they go to review.
    if _propagate(values, [r for r in soft if all(c in values for c in r.rhs)], "soft"):
        _propagate(values, hard, "soft")
    checks = [_check(values, r) for r in rules if all(c in values for c in r.cells)]
    _apply(values, checks, {r.id: r for r in rules}, sound)
    return checks


def _propagate(values: dict[str, Value], rules: list[Identity], mode: str) -> bool:
    any_change = False
    changed = True
    while changed:
        changed = False
        for rule in rules:
            lhs_unknown = [c for c in rule.lhs if not _is_known(values.get(c))]
            rhs_unknown = [c for c in rule.rhs if not _is_known(values.get(c))]
            if not lhs_unknown and not rhs_unknown:
                continue
            if mode == "soft" and rule.soft and lhs_unknown:
                continue  # prose never gets filled from the table
            diff = _sum(values, rule.lhs) - _sum(values, rule.rhs)  # known lhs - known rhs
            forced: dict[str, Numeric] = {}
            if len(lhs_unknown) + len(rhs_unknown) == 1:
                if lhs_unknown:
                    forced[lhs_unknown[0]] = -diff
                else:
                    forced[rhs_unknown[0]] = diff
            elif not rhs_unknown and abs(diff) < EPS:
                forced = dict.fromkeys(lhs_unknown, 0)
            elif not lhs_unknown and abs(diff) < EPS:
                forced = dict.fromkeys(rhs_unknown, 0)
            for fid, val in forced.items():
                if val < -EPS:
                    continue  # infeasible: the check will report it
                _derive(values, fid, val, rule, soft=(mode == "soft"))
                changed = any_change = True
    return any_change


def _sum(values: dict[str, Value], cells: tuple[str, ...]) -> Numeric:
    return sum(v.value for c in cells if _is_known(v := values.get(c)))  # type: ignore[misc]


def _derive(values: dict[str, Value], fid: str, val: Numeric, rule: Identity, soft: bool) -> None:
    old = values.get(fid) or Value()
    v = Value(
        value=round(val) if abs(val - round(val)) < EPS else val,
        status="derived",
        source="rule",
        evidence=old.evidence,
        raw=old.raw,
        note=f"forced by {rule.id}"
        + (" (prose total)" if soft else "")
        + f"; printed {'blank' if old.status == 'blank' else 'nothing'}",
    )
    if soft:
        v.review.append(f"filled from a prose total through {rule.id}; the table leaves it blank")
    values[fid] = v


def _check(values: dict[str, Value], rule: Identity) -> Check:
    lhs_unknown = [c for c in rule.lhs if not _is_known(values.get(c))]
    rhs_unknown = [c for c in rule.rhs if not _is_known(values.get(c))]
    lhs, rhs = _sum(values, rule.lhs), _sum(values, rule.rhs)
    detail = f"{_fmt(values, rule.lhs)} = {_fmt(values, rule.rhs)}"
    if rule.soft and (lhs_unknown or len(rhs_unknown) == len(rule.rhs)):
        return Check(rule=rule.id, outcome="NOT_ASSESSABLE", cells=list(rule.cells), detail=detail)
    if not lhs_unknown and not rhs_unknown:
        outcome = "PASS" if abs(lhs - rhs) < EPS else "FAIL"
    elif lhs_unknown and rhs_unknown:
        outcome = "NOT_ASSESSABLE"
    elif lhs_unknown:
        outcome = "NOT_ASSESSABLE" if rhs - lhs >= -EPS else "FAIL"
    else:
        outcome = "NOT_ASSESSABLE" if lhs - rhs >= -EPS else "FAIL"
    return Check(rule=rule.id, outcome=outcome, cells=list(rule.cells), detail=detail)


def _fmt(values: dict[str, Value], cells: tuple[str, ...]) -> str:
    def one(c: str) -> str:
        v = values.get(c)
        return "_" if v is None or v.value is None else str(v.value)

    return " + ".join(one(c) for c in cells)


def _apply(values: dict[str, Value], checks: list[Check], rules: dict[str, Identity], sound: dict[str, bool]) -> None:
    outcomes: dict[str, list[Check]] = {}
    for chk in checks:
        for c in chk.cells:
            outcomes.setdefault(c, []).append(chk)
    for fid, v in values.items():
        mine = outcomes.get(fid, [])
        v.rules = [f"{c.rule}:{c.outcome}" for c in mine]
        if not r5_holds(fid, v.value):
            v.review.append("R5: a count must be a whole number >= 0")
        failed = [c for c in mine if c.outcome == "FAIL"]
        for chk in failed:
            rule = rules[chk.rule]
            if rule.soft:
                if fid in rule.lhs:
                    v.review.append(f"{chk.rule}: the prose and the table disagree ({chk.detail})")
                continue
            v.review.append(f"{chk.rule} fails: {chk.detail}")
            if v.status == "parsed":
                v.status = (
                    "source_inconsistent"
                    if all(sound.get(c, False) for c in chk.cells if values[c].status == "parsed")
                    else "review"
                )
        if v.status == "blank" or (v.status == "missing" and fid.startswith(("applications.", "disputes.")) and mine):
            v.review.append("blank cell: the identities leave its value open")
        v.confidence = _confidence(v, mine, sound.get(fid, False))


def _confidence(v: Value, checks: list[Check], sound: bool) -> float:
    if v.status == "source_inconsistent":
        return 0.5
    if v.value is None:
        return 0.5 if v.review else 0.9
    if v.status == "derived":
        base = 0.98
    elif v.source == "table_cell":
        passed = any(c.outcome == "PASS" for c in checks)
        base = 0.995 if passed and sound else (0.97 if sound else 0.8)
    elif v.source == "sentence":
        confirmed = any(c.outcome == "PASS" for c in checks)
        base = 0.99 if confirmed else v.confidence or 0.85
    else:
        base = v.confidence or 0.9
    return min(base, 0.6) if v.review else base
