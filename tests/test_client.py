"""The client's fault handling, with faults served before any request could reach a model."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import httpx2
import openai
import pytest

from extractor.core.schema import Usage
from extractor.llm.client import Answer, Failure, ModelClient, ModelConfig, _Wait
from extractor.llm.narrative import NarrativeFacts
from tests import faults

PASSAGE = "本年度共收到政府信息公开申请12件，全部按时办结。"
MESSAGES = [{"role": "user", "content": "x"}]


def client(transport: httpx2.BaseTransport, **overrides) -> ModelClient:
    config = ModelConfig(base_url="http://127.0.0.1:9/v1", model="local", backoff=0.01, **overrides)
    return ModelClient(config, http_client=httpx2.Client(transport=transport))


def ask(c: ModelClient, usage: Usage, deadline: float = 60.0) -> Answer | Failure:
    return c.ask(
        NarrativeFacts,
        MESSAGES,
        prompt_hash="p",
        schema_hash="s",
        context={"passage": PASSAGE},
        usage=usage,
        deadline=time.monotonic() + deadline,
    )


def test_config_reads_xxgk_then_openai_env_and_flags_win(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai.example/v1")
    monkeypatch.setenv("OPENAI_MODEL", "gpt-x")
    assert ModelConfig.from_env().base_url == "http://openai.example/v1"
    monkeypatch.setenv("XXGK_LLM_BASE_URL", "http://127.0.0.1:8080/v1")
    config = ModelConfig.from_env(model="local")
    assert (config.base_url, config.model, config.enabled) == ("http://127.0.0.1:8080/v1", "local", True)


def test_no_model_configured_means_disabled(monkeypatch):
    for name in ("XXGK_LLM_BASE_URL", "OPENAI_BASE_URL", "XXGK_LLM_MODEL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    assert not ModelConfig.from_env().enabled


def test_backoff_honours_retry_after():
    response = httpx2.Response(429, headers={"retry-after": "7"}, request=httpx2.Request("POST", "http://x"))
    error = openai.RateLimitError("slow down", response=response, body=None)
    state = SimpleNamespace(attempt_number=1, outcome=SimpleNamespace(exception=lambda: error))
    assert _Wait(0.01)(state) == 7.0


def test_transport_faults_end_in_a_failure_after_the_allowed_attempts():
    transport = faults.FaultyTransport(faults.status(503), faults.timeout, faults.status(429, "0"), faults.status(502))
    usage = Usage()
    result = ask(client(transport, transport_attempts=4), usage)
    assert isinstance(result, Failure)
    assert len(transport.requests) == 4 and usage.calls == 4 and usage.retries == 3
    assert usage.errors == [result.reason]


def test_a_client_error_is_not_retried():
    transport = faults.FaultyTransport(faults.status(401))
    usage = Usage()
    assert isinstance(ask(client(transport), usage), Failure)
    assert len(transport.requests) == 1


def test_a_passed_deadline_sends_nothing():
    transport = faults.FaultyTransport(faults.status(500))
    result = ask(client(transport), Usage(), deadline=-1)
    assert isinstance(result, Failure) and not transport.requests


def test_an_ungrounded_answer_is_reasked_and_never_returned():
    made_up = json.dumps({"applications_received": {"value": 99, "quote": "本年度共收到政府信息公开申请99件"}})
    transport = faults.FaultyTransport(faults.answer(made_up), faults.answer(made_up))
    usage = Usage()
    result = ask(client(transport, reasks=1), usage)
    assert isinstance(result, Failure) and len(transport.requests) == 2
    # the re-ask carried the validation error back to the model
    assert "is not in the report text" in transport.requests[1].content.decode()


def test_answers_are_cached_and_validated_again_on_the_way_out(tmp_path):
    good = json.dumps(
        {"applications_received": {"value": 12, "quote": "共收到政府信息公开申请12件"}}, ensure_ascii=False
    )
    first = ask(client(faults.FaultyTransport(faults.answer(good)), cache_dir=tmp_path), Usage())
    assert isinstance(first, Answer) and first.value.applications_received.value == 12
    usage = Usage()
    again = ask(client(faults.FaultyTransport(faults.status(500)), cache_dir=tmp_path), usage)
    assert isinstance(again, Answer) and again.cached and usage.cached == 1 and usage.calls == 0


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown --llm-mode"):
        ModelClient(ModelConfig(base_url="http://x", model="m", mode="xml"))


def test_a_failing_model_leaves_the_rules_only_record(tmp_path):
    from extractor import extract
    from tests.conftest import CORPUS

    path = CORPUS / "seeds" / "004_d41cb1e17d5f5455.txt"
    rules = extract(path)
    c = client(faults.FaultyTransport(*[faults.status(500)] * 2), transport_attempts=2)
    hybrid = extract(path, llm=c)
    assert hybrid.flat()["values"] == rules.flat()["values"]
    assert hybrid.usage.calls == 2 and any(p.startswith("model:") for p in hybrid.problems)
