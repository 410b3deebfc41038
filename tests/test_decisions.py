"""Reviewers' decisions: typed input, the SQLite audit trail, and applying decisions to records."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from extractor import extract
from extractor.core.arithmetic import outcome
from extractor.core.schema import Report
from extractor.review.decisions import (
    SCHEMA_VERSION,
    Decision,
    DecisionStore,
    InvalidValue,
    apply,
    parse_value,
    rules_involving,
)
from tests.conftest import CORPUS


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("applications.new_received.total", "14", 14),
        ("applications.new_received.total", " 1,295 ", 1295),
        ("applications.new_received.total", "", None),
        ("active.fees.amount", "0.59", 0.59),
        ("active.licensing.change", "-3", -3),  # 本年增/减 is signed
        ("meta.organ", "鄂城区人民政府", "鄂城区人民政府"),
        ("meta.format", "2021", "2021"),
        ("meta.year", "2020", 2020),
    ],
)
def test_input_is_read_as_the_fields_type(field: str, raw: str, expected: object) -> None:
    assert parse_value(field, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "why"),
    [
        ("applications.new_received.total", "1.5", "whole"),
        ("applications.new_received.total", "-1", "below 0"),
        ("applications.new_received.total", "十四", "number"),
        ("active.fees.amount", "-0.1", "below 0"),
        ("meta.year", "20", "year"),
        ("meta.format", "2020", "2019"),
        ("no.such.field", "1", "unknown"),
    ],
)
def test_input_that_does_not_fit_is_refused_with_the_reason(field: str, raw: str, why: str) -> None:
    with pytest.raises(InvalidValue, match=why):
        parse_value(field, raw)


def test_every_decision_is_kept_and_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "reviews.sqlite"
    store = DecisionStore(db)
    store.record(Decision("h" * 64, "applications.granted.total", "correct", 3, 4, "typo", "ann"))
    store.record(Decision("h" * 64, "applications.granted.total", "accept", 3, 3, "", "bob"))
    store.close()
    again = DecisionStore(db)
    history = again.history("h" * 64, "applications.granted.total")
    assert [(d.action, d.old_value, d.new_value, d.reviewer) for d in history] == [
        ("correct", 3, 4, "ann"),
        ("accept", 3, 3, "bob"),
    ]
    assert all(d.decided_at for d in history)
    assert again.latest("h" * 64)["applications.granted.total"].reviewer == "bob"
    assert again.latest("other") == {}


def test_applying_decisions_changes_only_the_decided_fields_and_rechecks() -> None:
    report = extract(CORPUS / "seeds" / "000_33ae8ea1c32d037b.txt")
    record = json.loads(report.model_dump_json())
    fid = "applications.granted.total"
    old = report.get(fid).value
    h = report.content_hash
    decided = apply(record, {fid: Decision(h, fid, "correct", old, old + 1, "reviewer's reading", "ann", "t")})
    after = Report.model_validate(decided)
    v = after.get(fid)
    assert v.value == old + 1 and v.source == "reviewer" and v.confidence == 1.0 and "ann" in v.note
    assert fid not in after.review
    # The corrected value breaks R2 of its column; the re-run check says so. Rules that do not
    # involve the field keep their outcome.
    before = {c.rule: c.outcome for c in report.checks}
    now = {c.rule: c.outcome for c in after.checks}
    assert before["R2[total]"] == "PASS" and now["R2[total]"] == "FAIL"
    assert all(now[r] == o for r, o in before.items() if r not in ("R2[total]", "R3[granted]"))
    untouched = [f for f, _ in report.fields() if f != fid]
    assert all(after.get(f).value == report.get(f).value for f in untouched)


def test_outcome_of_an_identity_needs_every_cell() -> None:
    rule = rules_involving("2021", "disputes.reconsideration.total")[0]
    values = {c: 1 for c in rule.rhs} | {rule.lhs[0]: 4}
    assert outcome(rule, values) == "PASS"
    assert outcome(rule, values | {rule.lhs[0]: 5}) == "FAIL"
    assert outcome(rule, values | {rule.rhs[0]: None}) == "NOT_ASSESSABLE"
    assert outcome(rule, values | {rule.rhs[0]: True}) == "NOT_ASSESSABLE"  # a bool is not a count


# ---------------------------------------------------------------- schema migrations
UNVERSIONED = """
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, content_hash TEXT NOT NULL, field TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'correct', 'source_error')),
    old_value TEXT, new_value TEXT, reason TEXT NOT NULL DEFAULT '', reviewer TEXT NOT NULL, decided_at TEXT NOT NULL
);
INSERT INTO decisions (content_hash, field, action, old_value, new_value, reason, reviewer, decided_at)
VALUES ('h', 'applications.granted.total', 'correct', '5', '6', 'typo', 'ann', '2026-01-01T00:00:00+00:00');
"""


def test_a_database_from_before_versions_is_migrated_and_keeps_its_decisions(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(UNVERSIONED)
    store = DecisionStore(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    (kept,) = store.history("h", "applications.granted.total")
    assert (kept.old_value, kept.new_value, kept.reviewer) == (5, 6, "ann")
    store.record(Decision("h", "applications.granted.total", "accept", 6, 6, "", "bo"))
    store.close()
    assert len(DecisionStore(path).history("h", "applications.granted.total")) == 2  # reopened: nothing re-run


def test_a_database_from_a_newer_xxgk_is_refused(tmp_path) -> None:
    path = tmp_path / "new.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(ValueError, match="newer than this xxgk"):
        DecisionStore(path)
