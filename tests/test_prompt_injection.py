"""Prompt injection with the model off: text addressing a model, in the prose or in a table cell of
every corpus report, never changes a value in silence and never puts its false figures in a record.
(The model path: tests/test_model.py, from cassettes.)"""

from __future__ import annotations

import pytest

from extractor import extract
from tests.conftest import corpus_reports
from tests.injections import FALSE, PHRASINGS


def _placed(text: str, injection: str, where: str) -> str:
    lines = text.split("\n")
    if where == "cell":  # inside the first table row that has cells: a cell of its own
        k = next((i for i, line in enumerate(lines) if line.count("|") >= 3), len(lines) // 2)
        lines[k] = lines[k].rstrip().rstrip("|") + f"| {injection} |"
        return "\n".join(lines)
    k = {"start": 1, "middle": len(lines) // 2, "end": len(lines)}[where]
    return "\n".join([*lines[:k], injection, *lines[k:]])


@pytest.mark.parametrize("where", ["start", "middle", "end", "cell"])
@pytest.mark.parametrize("phrasing", sorted(PHRASINGS))
def test_injected_text_changes_no_value_in_silence(phrasing: str, where: str) -> None:
    for path in corpus_reports():
        text = path.read_text("utf-8")
        before = extract(text=text, name=path.name).flat()
        after = extract(text=_placed(text, PHRASINGS[phrasing], where), name=path.name).flat()
        for fid, value in after["values"].items():
            if value != before["values"].get(fid):
                assert fid in after["review"], (path.name, fid, before["values"].get(fid), value)
            assert not (FALSE.get(fid) == value and fid not in after["review"]), (path.name, fid)
