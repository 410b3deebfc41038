"""Where the model is and how to ask it: read from flags and the environment.

Kept apart from extractor.llm.client so that deciding whether a model is configured does not import
openai and instructor (a second of start-up that rules-only runs do not need).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


def _env(*names: str, default: str | None = None) -> str | None:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return default


def _positive_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or int(raw) <= 0:
        raise ValueError(f"{name} must be a whole number above 0, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class ModelConfig:
    """Where the model is and how to ask it. `from_env()` reads XXGK_LLM_* then OPENAI_*."""

    base_url: str | None = None
    model: str | None = None
    api_key: str = "not-needed"  # local servers ignore it; the OpenAI client insists on one
    mode: str = "json"  # JSON works on local servers and hosted APIs alike
    temperature: float = 0.0
    seed: int = 0
    max_tokens: int = 500  # always explicit: a cut-off answer is detected, never parsed
    # Seconds per HTTP request, the wait behind other calls included: a llama.cpp server answers one
    # call at a time. Measured with the local model on two cores (benchmarks/model_legacy.py): prompt
    # 46-79 tokens/s, answer 18-20 tokens/s, so the largest call (a 3,000-character passage, about
    # 2,900 prompt tokens, and max_tokens 500) takes about 75 s, and one queued behind another ~150 s.
    # At 120 s, 9 of 24 calls on legacy reports timed out; 180 s covers two calls in flight.
    timeout: float = 180.0
    transport_attempts: int = 4  # tries per request for timeouts, connection errors, 429 and 5xx
    # Lax validation: a small local model often writes numbers as strings ("2"); coercing them is a
    # matter of form, and every number is still checked against the text it quotes.
    strict: bool = False
    reasks: int = 1  # instructor re-asks after a validation failure
    # Prompt + completion tokens a report's calls may spend, re-asks included: a re-ask is made only
    # while it fits (see ModelClient._reask_budget). About 45 s of the local model on two cores.
    token_budget: int = 3000
    deadline: float = 300.0  # seconds one report may spend waiting on the model
    concurrency: int = 2  # calls in flight at once, whatever the number of workers
    backoff: float = 1.0  # first transport-retry wait in seconds; doubles, with jitter, up to 30
    cache_dir: Path | None = None  # None: no cache

    @classmethod
    def from_env(cls, **overrides: Any) -> ModelConfig:
        cache = _env("XXGK_CACHE", default=str(Path.home() / ".cache" / "xxgk"))
        config = cls(
            base_url=_env("XXGK_LLM_BASE_URL", "OPENAI_BASE_URL"),
            model=_env("XXGK_LLM_MODEL", "OPENAI_MODEL"),
            api_key=_env("XXGK_LLM_API_KEY", "OPENAI_API_KEY", default="not-needed") or "not-needed",
            mode=_env("XXGK_LLM_MODE", default="json") or "json",
            token_budget=_positive_int("XXGK_LLM_TOKEN_BUDGET", cls.token_budget),
            concurrency=_positive_int("XXGK_LLM_CONCURRENCY", cls.concurrency),
            cache_dir=Path(cache) / "responses",
        )
        return replace(config, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)

    def params(self) -> dict[str, Any]:
        """What is recorded with every value the model fills (no key, no address)."""
        return {
            "model": self.model,
            "mode": self.mode,
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
            "strict": self.strict,
        }
