import csv
import json
from pathlib import Path

import pytest

from extractor import extract
from extractor.core.schema import identities, json_schema
from tests.conftest import CORPUS, FIELDS_TSV

SCHEMA_FILE = Path(__file__).parents[1] / "schemas" / "report.schema.json"


def spec_fields() -> dict[str, str]:
    with FIELDS_TSV.open(encoding="utf-8") as f:
        return {row["id"]: row["formats"] for row in csv.DictReader(f, delimiter="\t")}


def test_published_json_schema_is_in_sync() -> None:
    published = json.loads(SCHEMA_FILE.read_text("utf-8"))
    assert published == json_schema(), "run: python -m extractor.core.schema > schemas/report.schema.json"


@pytest.mark.parametrize("fmt", ["2019", "2021"])
def test_field_ids_are_exactly_those_of_the_spec(fmt: str) -> None:
    spec = {fid for fid, formats in spec_fields().items() if fmt in formats or formats == "all"}
    text = (
        CORPUS / "seeds" / ("002_9f5d170e6957ee3e.txt" if fmt == "2019" else "003_11fc56b6ab2a71ee.txt")
    ).read_text()
    report = extract(text, name="x")
    ours = {fid for fid, _ in report.fields() if fid != "meta.published"}
    assert ours == spec


def test_rules_name_only_real_fields() -> None:
    known = set(spec_fields())
    for fmt in ("2019", "2021"):
        for rule in identities(fmt):
            assert set(rule.cells) <= known, rule.id


def test_flat_record_shape() -> None:
    flat = extract(CORPUS / "seeds" / "003_11fc56b6ab2a71ee.txt").flat()
    assert set(flat) == {"source", "values", "confidence", "review"}
    assert set(flat["confidence"]) == set(flat["values"])
    assert all(0 <= c <= 1 for c in flat["confidence"].values())
    assert set(flat["review"]) <= set(flat["values"])
