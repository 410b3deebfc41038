"""Reviewers' decisions: validated, stored in SQLite as an audit trail, and applied to records.

A decision is attached to a report by its content hash, so it survives a re-run of the extraction.
Every decision is kept (old value, new value, reason, reviewer, time); the latest one per field is
the one applied. Applying never touches a field nobody decided on.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from extractor.core.arithmetic import outcome
from extractor.core.schema import Format, Identity, Report, Scalar, identities
from extractor.results.export import COUNT_UNITS, MONEY_UNITS, field_specs

Action = Literal["accept", "correct", "source_error"]
ACTIONS: tuple[Action, ...] = ("accept", "correct", "source_error")
FORMATS = ("2019", "2021", "legacy")

# The database's schema, as the migrations that build it: MIGRATIONS[k] takes a database from version k
# to k + 1 (PRAGMA user_version). A database made before versions were recorded is at 0 with the
# version-1 table already in it, which migration 0 (idempotent) accepts as it is.
MIGRATIONS = (
    """
    CREATE TABLE IF NOT EXISTS decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        content_hash TEXT NOT NULL,
        field TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('accept', 'correct', 'source_error')),
        old_value TEXT,  -- JSON
        new_value TEXT,  -- JSON
        reason TEXT NOT NULL DEFAULT '',
        reviewer TEXT NOT NULL,
        decided_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS decisions_by_report ON decisions (content_hash, field, id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the database to SCHEMA_VERSION, one migration at a time, each in its own transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ValueError(f"{path}: review database of schema {version}, newer than this xxgk's {SCHEMA_VERSION}")
    for k in range(version, SCHEMA_VERSION):
        db.executescript(f"BEGIN; {MIGRATIONS[k]} PRAGMA user_version = {k + 1}; COMMIT;")


@dataclass(frozen=True)
class Decision:
    content_hash: str
    field: str
    action: Action
    old_value: Scalar
    new_value: Scalar
    reason: str
    reviewer: str
    decided_at: str = ""


class InvalidValue(ValueError):
    """A correction that does not fit the field's type or unit; the message says why."""


def parse_value(field_id: str, raw: str) -> Scalar:
    """The reviewer's input as the field's type: counts whole and ≥ 0 (signed ones may be negative),
    money a decimal ≥ 0 in the field's unit, the year a plausible year; empty input means null."""
    spec = next((s for s in field_specs() if s.id == field_id), None)
    if spec is None:
        raise InvalidValue(f"unknown field {field_id}")
    text = raw.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    if spec.unit == "text":
        return raw.strip()
    if spec.unit == "enum":
        if text not in FORMATS:
            raise InvalidValue(f"one of {', '.join(FORMATS)}")
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidValue(f"a number in {spec.unit}") from None
    if spec.unit in COUNT_UNITS:
        if number != number.to_integral_value():
            raise InvalidValue(f"a whole number of {spec.unit}")
        if number < 0 and not spec.signed:
            raise InvalidValue("not below 0")
        if spec.unit == "year" and not 1990 <= number <= 2100:
            raise InvalidValue("a year between 1990 and 2100")
        return int(number)
    if spec.unit in MONEY_UNITS and number < 0:
        raise InvalidValue("not below 0")
    return float(number)


class DecisionStore:
    """The audit trail in SQLite. One connection per store; safe to share across a server's threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._lock = threading.Lock()  # one connection, shared by the server's threads: one at a time
            self.db.execute("PRAGMA journal_mode=WAL")
            migrate(self.db, self.path)
        except sqlite3.Error as e:
            raise ValueError(f"{self.path}: not a review database ({e})") from None

    def record(self, d: Decision) -> Decision:
        with self._lock:
            when = d.decided_at or datetime.now(UTC).isoformat(timespec="seconds")
            self._insert(d, when)
        return Decision(**{**d.__dict__, "decided_at": when})

    def _insert(self, d: Decision, when: str) -> None:
        self.db.execute(
            "INSERT INTO decisions (content_hash, field, action, old_value, new_value, reason, reviewer, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (d.content_hash, d.field, d.action, json.dumps(d.old_value, ensure_ascii=False),
             json.dumps(d.new_value, ensure_ascii=False), d.reason, d.reviewer, when),
        )  # fmt: skip

    def latest(self, content_hash: str) -> dict[str, Decision]:
        """Field id -> the latest decision on it, for one report."""
        rows = self._select(" WHERE content_hash = ?", (content_hash,))
        return {r[1]: _decision(r) for r in rows}

    def history(self, content_hash: str, field: str) -> list[Decision]:
        rows = self._select(" WHERE content_hash = ? AND field = ?", (content_hash, field))
        return [_decision(r) for r in rows]

    def decided(self) -> dict[tuple[str, str], Decision]:
        """(content hash, field id) -> the latest decision, for every decided field (one query)."""
        rows = self._select("", ())
        return {(r[0], r[1]): _decision(r) for r in rows}

    def _select(self, where: str, args: tuple[str, ...]) -> list[tuple]:
        query = "SELECT content_hash, field, action, old_value, new_value, reason, reviewer, decided_at FROM decisions"
        with self._lock:
            return self.db.execute(query + where + " ORDER BY id", args).fetchall()

    def close(self) -> None:
        with self._lock:
            self.db.close()


def _decision(row: tuple) -> Decision:
    h, f, a, old, new, reason, who, when = row
    return Decision(h, f, a, json.loads(old) if old else None, json.loads(new) if new else None, reason, who, when)


def apply(record: dict[str, Any], decisions: dict[str, Decision]) -> dict[str, Any]:
    """The full record with the decisions applied, its checks re-run on the corrected values.

    accept: the value stands, confirmed (confidence 1). correct: the reviewer's value, source
    `reviewer`. source_error: the value stays as printed, status `source_inconsistent`.
    """
    if not decisions:
        return record
    report = Report.model_validate(record)
    for fid, d in decisions.items():
        try:
            v = report.get(fid)
        except KeyError:  # a decision on a field the record does not have (a damaged database)
            continue
        if v is None:
            continue
        who = f"{d.reviewer} ({d.decided_at})" + (f": {d.reason}" if d.reason else "")
        if d.action == "correct":
            v.value, v.source, v.status = d.new_value, "reviewer", "parsed"
            v.note = f"corrected by {who}; was {d.old_value!r}"
        elif d.action == "source_error":
            v.status = "source_inconsistent"
            v.note = f"marked as an error in the source by {who}"
        else:
            v.note = f"accepted by {who}"
        v.review, v.confidence = [], 1.0
    report.review = [fid for fid in report.review if fid not in decisions]
    fmt = report.meta.format.value
    if fmt in ("2019", "2021"):
        values = {fid: v.value for fid, v in report.fields()}
        rules = {r.id: r for r in identities(str(fmt)) if r.cell_set & decisions.keys()}
        report.checks = [
            replace(c, outcome=outcome(rules[c.rule], values)) if c.rule in rules else c for c in report.checks
        ]
    out = report.model_dump(mode="json")
    out.update({k: record[k] for k in record if k not in out})  # e.g. cross_year from a batch
    return out


def rules_involving(fmt: Format, field_id: str) -> list[Identity]:
    return [r for r in identities(fmt) if field_id in r.cell_set] if fmt in ("2019", "2021") else []
