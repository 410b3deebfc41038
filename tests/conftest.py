"""Shared fixtures: the corpus copied from ../shared/corpus (gold files untouched) and small helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
FIELDS_TSV = HERE / "data" / "fields.tsv"


def gold_of(report: Path) -> dict:
    stem = report.name.split(".")[0]
    return json.loads((report.parent / f"{stem}.gold.json").read_text("utf-8"))


def corpus_reports() -> list[Path]:
    return sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and not p.name.endswith(".json") and p.name != "README.md"
    )


@pytest.fixture
def seed_text() -> str:
    return (CORPUS / "seeds" / "002_9f5d170e6957ee3e.txt").read_text("utf-8")
