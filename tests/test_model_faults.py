"""Model endpoints that misbehave for real (tests/model_servers.py): each report still completes with
the rules' values and the reason the model gave nothing, within its deadline, and the batch goes on.
No cassette: these servers never give an answer worth recording."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable

import pytest

from extractor import extract
from extractor.llm.client import ModelClient
from extractor.llm.config import ModelConfig
from extractor.results import batch
from tests import model_servers
from tests.conftest import CORPUS

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
REPORT = CORPUS / "seeds" / "004_d41cb1e17d5f5455.txt"  # its prose leaves facts open: the model is asked
DEADLINE = 2.0


def client(url: str, **overrides: object) -> ModelClient:
    config = ModelConfig(base_url=url, model="m", deadline=DEADLINE, backoff=0.05, cache_dir=None)
    return ModelClient(ModelConfig(**{**config.__dict__, **overrides}))


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        (model_servers.silent, "Timeout"),
        (model_servers.trickle, "deadline passed while reading"),
        (model_servers.html, ""),
        (model_servers.endless, "more than max_tokens allows"),
    ],
    ids=["never-answers", "streams-for-ever", "html-200", "larger-than-max-tokens"],
)
def test_a_misbehaving_endpoint_leaves_the_rules_record_within_the_deadline(behaviour: Callable, reason: str) -> None:
    server = model_servers.Server(behaviour)
    try:
        rules = extract(REPORT)
        t0 = time.monotonic()
        report = extract(REPORT, llm=client(server.url))
        took = time.monotonic() - t0
    finally:
        server.stop()
    assert server.requests >= 1  # the model was asked
    assert report.flat()["values"] == rules.flat()["values"]
    problems = [p for p in report.problems if p.startswith("model:")]
    assert problems and reason in " ".join(problems) and report.usage.errors
    assert took < DEADLINE + 3, f"{took:.1f} s: the deadline did not bound the report"


def test_an_endpoint_that_goes_away_mid_batch_loses_no_report() -> None:
    server, _ = model_servers.goes_away_after(1)
    files = [REPORT, *sorted((CORPUS / "seeds").glob("00[0-3]_*.txt"))]
    out = io.BytesIO()
    try:
        summary = batch.run(files, out, llm=client(server.url))
    finally:
        server.stop()
    assert summary.done == len(files) and summary.failed == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(records) == len(files)
    # Once connections are refused, the next reports do not wait on retries: they say why at once.
    assert any("refused connections moments ago" in " ".join(r["problems"]) for r in records)


def test_an_api_key_never_appears_in_any_output(tmp_path, monkeypatch) -> None:
    key = "sk-test-0123456789abcdefSECRET"
    server = model_servers.Server(model_servers.html)
    monkeypatch.setenv("XXGK_LLM_API_KEY", key)
    monkeypatch.setenv("XXGK_LLM_BASE_URL", server.url)
    monkeypatch.setenv("XXGK_LLM_MODEL", "m")
    monkeypatch.setenv("XXGK_CACHE", str(tmp_path / "cache"))
    from click.testing import CliRunner

    from extractor.cli import main

    out = tmp_path / "out.jsonl"
    try:
        result = CliRunner().invoke(main, ["extract", str(REPORT), str(tmp_path / "missing.txt"), "-o", str(out)])
    finally:
        server.stop()
    assert "model path on" in result.output
    written = [out, out.with_name("out.errors.jsonl"), *(tmp_path / "cache").rglob("*")]
    texts = [result.output] + [p.read_text("utf-8", "replace") for p in written if p.is_file()]
    assert all(key not in t for t in texts) and out.exists()


def test_no_cassette_holds_a_key_or_an_authorization_header() -> None:
    from tests.conftest import ROOT

    cassettes = list((ROOT / "cassettes").rglob("*.yaml"))
    assert cassettes
    for path in cassettes:
        text = path.read_text("utf-8").lower()
        assert "authorization" not in text and "bearer " not in text and "api-key" not in text, path
