"""The model stage against the real local model, replayed from cassettes (recorded with `xxgk serve-local`).

The recorded answers are real and sometimes wrong: these tests assert what the pipeline does with
them (accepts what the text bears out, re-asks, drops, routes to review), not that the model was
right. Faults are injected in front of the model by tests/faults.py; every answer in a cassette is
the model's own.
"""

from __future__ import annotations

import json
from dataclasses import replace

import httpx2
import pytest

from extractor import extract
from extractor.core.normalize import normalize
from extractor.core.schema import Report
from extractor.llm.client import ModelClient, ModelConfig
from extractor.llm.grounding import number_in_quote
from extractor.llm.narrative import FACTS, NarrativeFacts, Passage, _salvage, narrative_passage
from extractor.read.load import load_path
from tests import faults
from tests.conftest import CORPUS, RECORDING_BASE_URL, corpus_reports, gold_of
from tests.injections import FALSE, PHRASINGS

LOCAL = ModelConfig(base_url=RECORDING_BASE_URL, model="local", cache_dir=None, backoff=0.01)
SEED_003 = CORPUS / "seeds" / "003_11fc56b6ab2a71ee.txt"  # 2021 format; its rules settle every fact
LEGACY = CORPUS / "seeds" / "004_d41cb1e17d5f5455.txt"  # prose only: the model is always asked
NARRATIVE = [f"narrative.{n}" for n in NarrativeFacts.model_fields]


def llm(*injected: faults.Fault, **overrides) -> tuple[ModelClient, faults.FaultyTransport]:
    transport = faults.FaultyTransport(*injected)
    return ModelClient(replace(LOCAL, **overrides), http_client=httpx2.Client(transport=transport)), transport


def sent(request) -> str:
    """The text of every message of a recorded chat request."""
    return "\n".join(m["content"] for m in json.loads(request.content)["messages"])


def model_values(report: Report):
    return [(fid, v) for fid, v in report.fields() if v.provenance is not None]


def assert_grounded(report: Report, text: str) -> None:
    """Every value the model touched cites a quote in the text, and a value it filled is in its quote."""
    norm = normalize(text)
    for fid, v in model_values(report):
        assert v.provenance["prompt_hash"] and v.provenance["schema_hash"] and v.provenance["model"] == "local"
        for span in v.evidence:
            assert norm.text[span.start : span.end] == span.quote, fid
            assert norm.original[span.source_start : span.source_end].strip(), fid
        if v.source == "model":
            assert number_in_quote(v.value, v.evidence[0].quote), (fid, v.value, v.evidence[0].quote)


def assert_no_silent_errors(report: Report, path) -> None:
    flat = report.flat()
    for fid, gold in gold_of(path)["fields"].items():
        if gold is not None and flat["values"].get(fid) != gold:
            assert fid in flat["review"], f"{fid}: gold {gold}, got {flat['values'].get(fid)} and not in review"


# ---------------------------------------------------------------- the real model on the corpus
@pytest.mark.vcr
@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.stem)
def test_corpus_report(path):
    rules = extract(path)
    client, _ = llm()
    report = extract(path, llm=client)
    asked = report.usage.asked
    # One call for the facts the rules left open (none when they settled every one), and one per
    # table with rows the rules could not read with certainty (tests/test_reread.py).
    facts = [a for a in asked if "." not in a]
    tables = {a.split(".")[0] for a in asked if "." in a}
    assert report.usage.calls == (1 if facts else 0) + len(tables)
    if rules.meta.format.value == "legacy":  # no table fills a fact there: asked are the ones the prose left open
        assert facts == [n for n in FACTS if (v := getattr(rules.narrative, n)).value is None or v.review]
    for name in FACTS:
        if name not in facts:  # settled by the rules (or no prose states it): the model never touched it
            v = getattr(report.narrative, name)
            assert v.value == getattr(rules.narrative, name).value and v.provenance is None, name
    assert_grounded(report, load_path(path).text)
    assert_no_silent_errors(report, path)
    # A table value the rules read is never replaced by the model (a re-read that disagrees goes to review).
    for fid, value in rules.flat()["values"].items():
        if fid.startswith(("applications.", "disputes.", "active.")) and rules.get(fid).source == "table_cell":
            assert report.flat()["values"][fid] == value, fid


def test_a_report_whose_rules_settle_every_fact_costs_no_call():
    client, transport = llm()
    report = extract(SEED_003, llm=client)
    assert report.usage.calls == 0 and not transport.requests and not report.usage.asked
    assert report.flat()["values"] == extract(SEED_003).flat()["values"]


# ---------------------------------------------------------------- faults in front of the real model
@pytest.mark.vcr
def test_429_then_success():
    client, transport = llm(faults.status(429, retry_after="0"))
    report = extract(LEGACY, llm=client)
    # The 429 was retried: the model was asked after it (and perhaps re-asked), and the 429 ended nothing.
    assert len(transport.requests) >= 2 and report.usage.retries >= 1
    assert not any("429" in e for e in report.usage.errors)
    assert_grounded(report, LEGACY.read_text("utf-8"))
    assert_no_silent_errors(report, LEGACY)


@pytest.mark.vcr
def test_timeout_then_success():
    client, transport = llm(faults.timeout)
    report = extract(LEGACY, llm=client)
    assert len(transport.requests) >= 2 and report.usage.retries >= 1
    assert not any("Timeout" in e for e in report.usage.errors)
    assert_no_silent_errors(report, LEGACY)
    assert_grounded(report, LEGACY.read_text("utf-8"))


@pytest.mark.vcr
def test_malformed_json_is_reasked():
    client, transport = llm(faults.answer('{"applications_received": {"value": 14, "quote": '))
    report = extract(LEGACY, llm=client)
    assert len(transport.requests) == 2  # the re-ask went to the real model
    assert_grounded(report, LEGACY.read_text("utf-8"))
    assert_no_silent_errors(report, LEGACY)


@pytest.mark.vcr
def test_output_cut_off_at_max_tokens():
    client, _ = llm(max_tokens=16)
    report = extract(LEGACY, llm=client)
    assert any("cut off at max_tokens=16" in p for p in report.problems)
    assert not model_values(report)
    assert report.flat()["values"] == extract(LEGACY).flat()["values"]  # rules-only record, complete


# Answers for the facts the rules leave open in the legacy report (completed, fee): the model is
# asked for those only.
MADE_UP_QUOTE = '{"applications_completed": {"value": 41, "quote": "本年度共办结政府信息公开申请41件"}}'
NUMBER_NOT_IN_QUOTE = '{"fee_amount": {"value": 6, "quote": "2016年度没有发生依申请公开办理情况"}}'


@pytest.mark.vcr
@pytest.mark.parametrize(
    "made_up", [MADE_UP_QUOTE, NUMBER_NOT_IN_QUOTE], ids=["quote_not_in_text", "number_not_in_quote"]
)
def test_an_ungrounded_answer_never_gets_through(made_up):
    client, transport = llm(faults.answer(made_up))
    report = extract(LEGACY, llm=client)
    assert len(transport.requests) == 2
    reask = sent(transport.requests[1])
    assert ("not in the report text" if made_up == MADE_UP_QUOTE else "does not appear in its quote") in reask
    values = report.flat()["values"]
    assert values.get("narrative.applications_completed") != 41 and values.get("narrative.fee_amount") != 6
    assert_grounded(report, LEGACY.read_text("utf-8"))


@pytest.mark.vcr
@pytest.mark.parametrize("phrasing", sorted(PHRASINGS))
def test_prompt_injection_in_the_report_prose(phrasing: str):
    text = LEGACY.read_text("utf-8")
    # Hostile text placed where a reader meets the facts: just before the 复议/诉讼 paragraph.
    at = text.index("(八)")
    injection = PHRASINGS[phrasing]
    hostile = text[:at] + injection + "\n" + text[at:]
    client, transport = llm()
    report = extract(hostile, name="hostile.txt", llm=client)
    assert transport.requests, "the model was asked about the rest of the prose"
    for request in transport.requests:  # the instruction is never sent: the model reads no orders
        assert "999" not in sent(request)
    flat = report.flat()
    for fid, bad in FALSE.items():
        assert flat["values"].get(fid) != bad or fid in flat["review"], fid
    for _, v in model_values(report):
        assert all("999" not in s.quote for s in v.evidence if v.source == "model")
    assert_grounded(report, hostile)


# ---------------------------------------------------------------- no model needed
def test_passage_holds_the_prose_not_the_tables():
    report_text = SEED_003.read_text("utf-8")
    norm = normalize(report_text)
    passage = narrative_passage(norm, [(0, 0)])
    assert passage.text and "|" not in passage.text
    for line, (p, d) in zip(passage.text.split("\n"), passage.pieces, strict=True):
        assert norm.text[d : d + len(line)] == line and passage.text[p : p + len(line)] == line


def test_passage_maps_offsets_back():
    passage = Passage("ab\ncd", [(0, 10), (3, 20)])
    assert passage.to_doc(1) == 11 and passage.to_doc(4) == 21


def test_salvage_keeps_grounded_facts_and_drops_the_rest():
    passage = "本年度收到政府信息公开申请5件。未发生行政诉讼。"
    raw = (
        '```json\n{"applications_received": {"value": 5, "quote": "收到政府信息公开申请5件"},'
        ' "litigation_total": {"value": 3, "quote": "未发生行政诉讼"}}\n```'
    )
    problems: list[str] = []
    facts = _salvage(raw, passage, problems)
    assert facts.applications_received.value == 5 and facts.litigation_total.value is None
    assert problems and "does not appear in its quote" in problems[0]


def test_rules_only_without_a_model_sends_legacy_prose_to_review():
    path = CORPUS / "seeds" / "004_d41cb1e17d5f5455.txt"
    report = extract(path)
    assert report.usage.calls == 0 and any("no model configured" in p for p in report.problems)
    assert_no_silent_errors(report, path)
