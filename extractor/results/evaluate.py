"""Score flat records against gold files, with the definitions of ../shared/spec/flat-record.md."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Tally:
    judged: int = 0  # gold fields with a non-null value
    exact: int = 0
    silent: int = 0  # wrong or missing, and not in review
    reviewed: int = 0  # judged fields in review
    gold_null: int = 0
    false_certain: int = 0  # gold null, record gives a value not in review

    def add(self, other: Tally) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def accuracy(self) -> float:
        return self.exact / self.judged if self.judged else 1.0

    @property
    def review_load(self) -> float:
        return self.reviewed / self.judged if self.judged else 0.0


@dataclass
class ReportScore:
    source: str
    total: Tally = field(default_factory=Tally)
    by_section: dict[str, Tally] = field(default_factory=dict)
    wrong: list[tuple[str, object, object, bool]] = field(default_factory=list)  # id, gold, got, in review


def section_of(field_id: str) -> str:
    return field_id.split(".", 1)[0]


def same(gold: object, got: object) -> bool:
    if isinstance(gold, bool) or isinstance(got, bool):  # True == 1 in Python, but a flag is not a count
        return type(gold) is type(got) and gold == got
    if isinstance(gold, (int, float)) and isinstance(got, (int, float)):
        return abs(float(gold) - float(got)) < 1e-6
    return gold == got


def score(flat: dict, gold: dict) -> ReportScore:
    values, review = flat.get("values", {}), set(flat.get("review", []))
    result = ReportScore(flat.get("source", ""))
    for fid, expected in gold["fields"].items():
        t = result.by_section.setdefault(section_of(fid), Tally())
        got = values.get(fid)
        if expected is None:
            t.gold_null += 1
            if got is not None and fid not in review:
                t.false_certain += 1
                result.wrong.append((fid, expected, got, False))
            continue
        t.judged += 1
        if fid in review:
            t.reviewed += 1
        if fid in values and same(expected, got):
            t.exact += 1
        else:
            result.wrong.append((fid, expected, got, fid in review))
            if fid not in review:
                t.silent += 1
    for t in result.by_section.values():
        result.total.add(t)
    return result


def gold_pairs(dirs: Iterable[str | Path]) -> list[tuple[Path, Path]]:
    """(report, gold) for every report that has a STEM.gold.json beside it."""
    pairs = []
    for d in dirs:
        for gold in sorted(Path(d).glob("*.gold.json")):
            stem = gold.name.removesuffix(".gold.json")
            reports = [p for p in gold.parent.glob(stem + ".*") if not p.name.endswith(".gold.json")]
            if reports:
                pairs.append((reports[0], gold))
    return pairs


def load_gold(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))
