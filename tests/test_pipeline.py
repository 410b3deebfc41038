"""The whole pipeline on the real corpus, scored with the definitions of flat-record.md."""

from pathlib import Path

import pytest

from extractor import InputError, extract
from extractor.read.load import load_path
from extractor.results.evaluate import score
from tests.conftest import CORPUS, corpus_reports, gold_of


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_no_silent_errors_and_no_false_certainty(path: Path) -> None:
    s = score(extract(path).flat(), gold_of(path))
    assert s.total.silent == 0, s.wrong
    assert s.total.false_certain == 0, s.wrong


@pytest.mark.parametrize("path", sorted((CORPUS / "seeds").glob("00[0-3]*.txt")), ids=lambda p: p.name)
def test_standard_format_seeds_are_exact(path: Path) -> None:
    s = score(extract(path).flat(), gold_of(path))
    assert s.wrong == []


def test_real_corpus_accuracy_floor() -> None:
    exact = judged = 0
    for path in sorted(p for p in corpus_reports() if p.parent.name == "real"):
        s = score(extract(path).flat(), gold_of(path))
        exact, judged = exact + s.total.exact, judged + s.total.judged
    assert exact / judged >= 0.995


def test_every_value_with_evidence_quotes_the_text() -> None:
    for path in corpus_reports():
        report = extract(path)
        for fid, v in report.fields():
            for ev in v.evidence:
                assert 0 <= ev.start <= ev.end and 0 <= ev.source_start <= ev.source_end, fid
            if v.source == "sentence" and v.value not in (None, 0):
                assert any(str(v.value).split(".")[0] in ev.quote for ev in v.evidence), (path.name, fid)


@pytest.mark.parametrize("name", ["shuyang_fgj_2023.html", "sh_office_2019.txt"])
def test_html_table_values_name_their_element(name: str) -> None:
    path = CORPUS / "real" / name
    doc = load_path(path)
    cells = [(fid, v) for fid, v in extract(path).fields() if v.source == "table_cell"]
    assert cells
    for fid, v in cells:
        ev = v.evidence[0]
        assert ev.path and ev.path.rsplit("/", 1)[1].startswith(("td", "th")), fid
        assert doc.text[ev.source_start : ev.source_end] == v.raw, fid


def test_source_inconsistency_is_kept_as_printed() -> None:
    text = (CORPUS / "seeds" / "002_9f5d170e6957ee3e.txt").read_text("utf-8")
    broken = text.replace("(七)总计 | 25 | 0 | 0 | 0 | 0 | 0 | 25", "(七)总计 | 25 | 0 | 0 | 0 | 0 | 0 | 26")
    assert broken != text
    report = extract(broken, name="broken")
    total = report.get("applications.processed_total.total")
    assert total.value == 26 and total.status == "source_inconsistent"
    assert "applications.processed_total.total" in report.review


def test_legacy_report_prose_fields_are_in_review() -> None:
    report = extract(CORPUS / "seeds" / "004_d41cb1e17d5f5455.txt")
    assert report.meta.format.value == "legacy"
    assert "applications.new_received.total" in report.review
    assert report.get("applications.new_received.total").value == 0


def test_truncated_report_completes_and_flags_what_is_missing() -> None:
    text = (CORPUS / "seeds" / "002_9f5d170e6957ee3e.txt").read_text("utf-8")
    cut = text[: text.index("(五)不予处理")]
    report = extract(cut, name="truncated.txt")
    assert report.get("applications.granted.total").value == 18
    assert any("not found" in p for p in report.problems)
    # The rows the cut removed are forced by the identities (derived, the identity named, the true
    # value) or left open in review: never a number made up.
    full = extract(CORPUS / "seeds" / "002_9f5d170e6957ee3e.txt")
    lost = [f for f, v in report.fields() if f.startswith("applications.") and v.status in ("derived", "missing")]
    assert lost
    for fid in lost:
        v = report.get(fid)
        if v.value is None:
            assert fid in report.review, fid
        else:
            assert v.note.startswith("forced by") and v.value == full.get(fid).value, (fid, v)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "README.md",
            "# Real published reports\n\nReal 政府信息公开工作年度报告 kept as test data, with gold values.\n",
        ),
        ("style.css", "body { color: red; }\n.nav { margin: 0 }\n"),
        ("main.js", 'function f() { return "政府信息公开"; }\n'),
        ("notice.txt", "关于做好2022年政府信息公开工作年度报告编制发布工作的通知\n各县区、各部门：请按时报送。\n"),
    ],
)
def test_a_file_that_is_no_annual_report_is_refused_in_one_line(name: str, text: str) -> None:
    with pytest.raises(InputError, match="not a government information-disclosure annual report"):
        extract(text=text, name=name)


def test_every_corpus_report_is_recognised_as_one() -> None:
    for path in corpus_reports():
        extract(path)  # raises InputError if it were refused
