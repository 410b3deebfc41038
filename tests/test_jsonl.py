"""The one reader of results files: records in order with their offsets, damage named by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.results import jsonl


def _write(path: Path, *records: dict, tail: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail, encoding="utf-8")
    return path


def test_records_come_in_order_with_their_offsets(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", {"source": "a", "content_hash": "1"}, {"source": "b", "content_hash": "2"})
    got = list(jsonl.lines(path))
    assert [line.record["source"] for line in got] == ["a", "b"]
    with path.open("rb") as f:
        f.seek(got[1].offset)
        assert json.loads(f.readline())["source"] == "b"
    assert jsonl.content_hashes(path) == {"1", "2"}


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ('{"source": "c", "cont', ":3: a record cut off by a killed run"),
        ("not json\n", ":3: not a JSON record"),
        ('{"values": {}}\n', ":3: not an xxgk record"),
    ],
)
def test_a_damaged_line_is_named(tmp_path: Path, tail: str, message: str) -> None:
    path = _write(tmp_path / "r.jsonl", {"source": "a"}, {"source": "b"}, tail=tail)
    with pytest.raises(jsonl.ResultsError, match=message):
        list(jsonl.records(path))


def test_repair_cuts_only_the_unfinished_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", {"source": "a", "content_hash": "1"}, tail='{"source": "b", "conte')
    jsonl.repair(path)
    assert [r["source"] for r in jsonl.records(path)] == ["a"]
    jsonl.repair(path)  # a whole file is left as it is
    assert path.read_text("utf-8").count("\n") == 1
