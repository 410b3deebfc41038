"""Checks across years: the reports of one agency in consecutive years must agree (X1–X3).

Run over a finished batch output. Reports are grouped by organ and year; each pair of consecutive
years is checked with the rules of schema.CROSS_YEAR_RULES, and the outcome is recorded in both
records (full records: `checks`; flat records: `cross_year`). Nothing is "fixed": a mismatch often
has a legitimate cause (restructuring, a change of scope, a format switch), so it is reported.
The output is rewritten only where the cross-year results changed, through a temporary file, so an
interrupted run never damages it.
"""

from __future__ import annotations

import math
import os
import re
from array import array
from dataclasses import dataclass, field, replace
from pathlib import Path

from extractor.core.schema import CROSS_YEAR_RULES, CrossYearRule
from extractor.results import jsonl

EPS = 1e-6
_NEEDED = tuple(dict.fromkeys(f for rule in CROSS_YEAR_RULES for f in rule.fields))
_BLANKS = re.compile(r"\s+")


_INDEX = {f: i for i, f in enumerate(_NEEDED)}


class Figures:
    """The numbers the cross-year rules need from one record, packed in an array (NaN: no number):
    a batch keeps one per report until the pass ends, so it should cost bytes, not kilobytes."""

    __slots__ = ("_a",)

    def __init__(self, values: dict[str, float | int]) -> None:
        self._a = array("d", [math.nan]) * len(_NEEDED)
        for f, v in values.items():
            self._a[_INDEX[f]] = v

    def __contains__(self, field_id: str) -> bool:
        return not math.isnan(self._a[_INDEX[field_id]])

    def __getitem__(self, field_id: str) -> float:
        return self._a[_INDEX[field_id]]


@dataclass(slots=True)
class Entry:
    """What the cross-year rules need from one record."""

    line: int
    source: str
    organ: str
    year: int
    format: str
    values: Figures  # only the fields with a number


@dataclass
class Found:
    pairs: int = 0  # (agency, year, year-1) pairs checked
    failed: list[str] = field(default_factory=list)  # one line per mismatch
    warned: list[str] = field(default_factory=list)  # soft rules (X3)

    def summary(self) -> str:
        head = f"cross-year: {self.pairs} consecutive-year pair(s), {len(self.failed)} mismatch(es)"
        head += f", {len(self.warned)} warning(s)"
        return "\n".join([head, *(f"  {m}" for m in self.failed[:20])])


def get(record: dict, field_id: str) -> object:
    """A value from a full record (nested) or a flat record (`values`)."""
    if "values" in record:
        return record["values"].get(field_id)
    node: object = record
    for name in field_id.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(name)
    return node.get("value") if isinstance(node, dict) else None


def entry(line: int, record: dict) -> Entry | None:
    organ, year, fmt = get(record, "meta.organ"), get(record, "meta.year"), get(record, "meta.format")
    if not isinstance(organ, str) or not isinstance(year, int) or not organ.strip():
        return None  # a report without a known agency and year cannot be paired
    flat = record.get("values")
    pick = flat.get if isinstance(flat, dict) else (lambda f: get(record, f))  # a flat record: one dict lookup a field
    values = {f: v for f in _NEEDED if isinstance(v := pick(f), int | float) and not isinstance(v, bool)}
    return Entry(line, record.get("source", ""), _BLANKS.sub("", organ), year, str(fmt), Figures(values))


def check(rule: CrossYearRule, before: Entry, now: Entry) -> tuple[str, str] | None:
    """(outcome, detail) of `rule` on two consecutive reports, or None when it does not apply."""
    if (before.format, now.format) not in rule.formats:
        return None
    if rule.lhs not in now.values:
        return None
    rhs = 0.0
    for offset, sign, fid in rule.rhs:
        side = before if offset == -1 else now
        if fid not in side.values:
            return None  # a blank the arithmetic left open: nothing to compare
        rhs += sign * side.values[fid]
    lhs = now.values[rule.lhs]
    if abs(lhs - rhs) < EPS:
        return "PASS", ""
    terms = " ".join(f"{'+' if s > 0 else '-'} {fid}({now.year + o})" for o, s, fid in rule.rhs)
    return "FAIL", f"{rule.lhs}({now.year}) = {lhs:g}, but {terms.lstrip('+ ')} = {rhs:g}"


def results(entries: list[Entry]) -> tuple[dict[int, list[dict]], Found]:
    """Cross-year checks per output line, and the batch summary."""
    by_key: dict[tuple[str, int], list[Entry]] = {}
    for e in entries:
        by_key.setdefault((e.organ, e.year), []).append(e)
    per_line: dict[int, list[dict]] = {}
    found = Found()
    for (organ, year), nows in sorted(by_key.items()):
        befores = by_key.get((organ, year - 1))
        if not befores or len(nows) > 1 or len(befores) > 1:
            continue  # no earlier report, or several reports claim the same agency and year
        now, before = nows[0], befores[0]
        found.pairs += 1
        for rule in CROSS_YEAR_RULES:
            outcome = check(rule, before, now)
            if outcome is None:
                continue
            status, detail = outcome
            if status == "FAIL":
                (found.warned if rule.soft else found.failed).append(f"{organ} {year - 1}→{year} {rule.id}: {detail}")
                status = "FAIL" if not rule.soft else "WARN"
            for e, other in ((now, before), (before, now)):
                per_line.setdefault(e.line, []).append(
                    {"rule": rule.id, "outcome": status, "cells": list(rule.fields), "detail": detail,
                     "years": [year - 1, year], "other": other.source}
                )  # fmt: skip
    return per_line, found


def annotate(*outputs: Path, written: list[Entry] | None = None) -> Found:
    """Check the reports in a batch output (one file, or the parts of a partitioned output) across
    years and record the outcomes in both records.

    Two streaming passes, so memory does not grow with the size of the records: one to collect
    the few figures the rules need, one to rewrite the lines whose cross-year results changed.
    `written`: the figures of every record of a single output this process has just written whole
    (`entry` of each, `line` its line index); they stand for the first pass, which would parse every
    record again only to find them.
    """
    entries: list[Entry] = []
    stale: set[int] = set()  # files whose records carry cross-year results from an earlier run
    where: list[tuple[int, int]] = []  # entry id -> (file, line index in it)
    if written is not None and len(outputs) == 1:
        for e in written:
            where.append((0, e.line))
            entries.append(replace(e, line=len(where) - 1))
        outputs_read: tuple[Path, ...] = ()
    else:
        outputs_read = outputs
    for k, output in enumerate(outputs_read):
        for line in jsonl.lines(output):
            if line.record.get("cross_year"):
                stale.add(k)
            if (e := entry(len(where), line.record)) is not None:
                entries.append(e)
                where.append((k, line.number - 1))
    per_line, found = results(entries)
    per_file: dict[int, dict[int, list[dict]]] = {k: {} for k in stale}
    for i, checks in per_line.items():
        k, n = where[i]
        per_file.setdefault(k, {})[n] = checks
    for k, lines in per_file.items():
        _rewrite(outputs[k], lines)
    return found


def _rewrite(output: Path, per_line: dict[int, list[dict]]) -> None:
    tmp = output.with_name(output.name + ".tmp")
    with output.open(encoding="utf-8") as src, tmp.open("w", encoding="utf-8") as dst:
        for i, raw in enumerate(src):
            new = per_line.get(i, [])
            if new or '"cross_year"' in raw:
                record = jsonl.loads(raw)
                if record.get("cross_year", []) != new:
                    record["cross_year"] = new
                    raw = jsonl.dumps(record) + "\n"
            dst.write(raw)
    os.replace(tmp, output)
