"""The library's front door: extract() says what it is, and a path with a typo is not a report."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import extractor
from extractor import extract, extract_text
from tests.conftest import CORPUS

SEED = CORPUS / "seeds" / "001_3c78160da86addac.txt"


def test_extract_keeps_its_docstring_and_signature() -> None:
    assert "text=" in (extract.__doc__ or "")
    params = inspect.signature(extract).parameters
    assert {"source", "text", "name", "llm"} <= params.keys()
    assert extractor.extract is extract


def test_a_path_that_names_no_file_is_an_error_not_a_report(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"reprot\.txt"):
        extract(str(tmp_path / "reprot.txt"))
    with pytest.raises(FileNotFoundError):
        extract("收到政府信息公开申请14件" * 300)  # one long line: longer than any file name


def test_text_is_passed_explicitly_and_gives_the_same_record_as_the_file() -> None:
    text = SEED.read_text("utf-8")
    by_path = extract(SEED).flat()["values"]
    assert extract(text=text, name="x.txt").flat()["values"] == by_path
    assert extract_text(text, "x.txt").flat()["values"] == by_path
    assert extract(str(SEED)).source == str(SEED)


def test_extract_takes_a_path_or_text_not_both() -> None:
    with pytest.raises(TypeError):
        extract(SEED, text="x")
    with pytest.raises(TypeError):
        extract()


def test_report_get_knows_its_field_ids() -> None:
    report = extract(SEED)  # a 2019-format report
    assert report.get("applications.new_received.total").value == 14
    assert report.get("active.regulations.issued") is None  # a 2021 field: not in this report
    with pytest.raises(KeyError, match=r"applications\.new_recieved\.total"):
        report.get("applications.new_recieved.total")  # a typo is an error, not a silent None
