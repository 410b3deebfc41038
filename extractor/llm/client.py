"""The model client: instructor over any OpenAI-compatible endpoint, with retries, a cache and accounting.

One `ModelClient` per run. `ask()` sends one typed request and returns the validated answer or None,
never raising for a model or network failure: the caller falls back to the rules and sends the
fields to review. What each call cost is added to the `Usage` it is given.

- Transport faults (timeouts, connection errors, 429, 5xx) are retried by tenacity with exponential
  backoff and jitter, honouring Retry-After; the OpenAI client's own retries are off so that there
  is one retry policy, not two stacked.
- Validation failures (a quote not in the text, a number not in its quote) are re-asked by
  instructor with the errors, within a token budget.
- Answers are cached on disk, keyed by model, prompt hash, schema hash, parameters and messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2 as httpx  # the HTTP library openai>=3 is built on
import instructor
import openai
from instructor.core import IncompleteOutputException
from pydantic import BaseModel
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from extractor.core.schema import Usage
from extractor.llm.config import ModelConfig
from extractor.llm.transport import BoundedTransport, ResponseTooLarge, deadline, max_response_bytes

__all__ = ["Answer", "Failure", "ModelClient", "ModelConfig"]

T = TypeVar("T", bound=BaseModel)

# instructor logs every failed attempt at ERROR; we report failures ourselves (Usage.errors, review),
# so its messages must not reach a user's terminal through logging's last-resort handler.
logging.getLogger("instructor").addHandler(logging.NullHandler())

MODES = {
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
}


@dataclass
class Answer:
    """A validated answer with what is needed to cite it."""

    value: BaseModel
    params: dict[str, Any]
    cached: bool = False


@dataclass
class Failure:
    reason: str
    raw: str | None = None  # the last thing the model said, for the reviewer


def _root(exc: BaseException) -> BaseException:
    """instructor wraps an API error in InstructorRetryException; the cause is what happened."""
    while exc.__cause__ is not None and not isinstance(exc, openai.APIError | httpx.HTTPError):
        exc = exc.__cause__
    return exc


DOWN_SECONDS = 30.0


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every one it was raised from or during (instructor and openai wrap)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(x, kind) for x in _chain(exc))


def _deepest(exc: BaseException) -> BaseException:
    return list(_chain(exc))[-1]


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(_root(exc), "response", None)
    if response is None:
        return None
    header = response.headers.get("retry-after")
    try:
        return float(header) if header else None
    except ValueError:
        return None


def _transient(exc: BaseException) -> bool:
    if _caused_by(exc, ResponseTooLarge):
        return False  # the server would send as much again
    exc = _root(exc)
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError | httpx.TimeoutException):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


class _Wait:
    """Exponential backoff with jitter, but never shorter than the server's Retry-After."""

    def __init__(self, initial: float) -> None:
        self.backoff = wait_exponential_jitter(multiplier=initial, max=30, jitter=initial)

    def __call__(self, state: RetryCallState) -> float:
        wait = self.backoff(state)
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc) if exc else None
        return max(wait, after) if after is not None else wait


@dataclass
class ModelClient:
    config: ModelConfig
    http_client: httpx.Client | None = None  # tests inject a transport here
    _slots: threading.BoundedSemaphore = field(init=False)
    _client: Any = field(init=False, default=None)
    # An endpoint that refused connections even after the retries is not asked again for a while, so
    # that a batch whose server went away goes on at rules-only speed, each report saying why.
    _down_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.config.concurrency)
        if self.config.mode not in MODES:
            raise ValueError(f"unknown --llm-mode {self.config.mode!r}; choose from {', '.join(MODES)}")

    @property
    def client(self) -> Any:
        if self._client is None:
            http_client = self.http_client or httpx.Client(
                transport=BoundedTransport(httpx.HTTPTransport(), max_response_bytes(self.config.max_tokens)),
                timeout=self.config.timeout,
            )
            raw = openai.OpenAI(
                base_url=self.config.base_url,
                api_key=self.config.api_key,
                timeout=self.config.timeout,
                max_retries=0,
                http_client=http_client,
            )
            self._client = instructor.from_openai(raw, mode=MODES[self.config.mode])
        return self._client

    def ask(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        prompt_hash: str,
        schema_hash: str,
        context: dict[str, Any],
        usage: Usage,
        deadline: float,
    ) -> Answer | Failure:
        """One typed request; `deadline` is a time.monotonic() value this report must not pass."""
        params = {**self.config.params(), "prompt_hash": prompt_hash, "schema_hash": schema_hash}
        key = self._cache_key(params, messages)
        cached = self._cache_get(key, response_model, context)
        if cached is not None:
            usage.cached += 1
            return Answer(cached, params, cached=True)
        left = deadline - time.monotonic()
        if left <= 0:
            return Failure("the report's model deadline had passed")
        if time.monotonic() < self._down_until:
            reason = f"the endpoint refused connections moments ago; not asked again for {DOWN_SECONDS:g} s"
            usage.errors.append(reason)
            return Failure(reason)
        try:
            value, completion = self._call(response_model, messages, context, usage, left)
        except Exception as e:  # any failure: the report completes rules-only, with the reason kept
            if _caused_by(e, httpx.ConnectError):
                self._down_until = time.monotonic() + DOWN_SECONDS
            return self._failure(e, usage)
        self._account(usage, completion)
        self._cache_put(key, value)
        return Answer(value, params)

    def _call(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        context: dict[str, Any],
        usage: Usage,
        left: float,
    ) -> tuple[T, Any]:
        retrying = Retrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(self.config.transport_attempts) | stop_after_delay(left),
            wait=_Wait(self.config.backoff),
            before_sleep=lambda _state: _count_retry(usage),
            reraise=True,
        )
        with self._slots, deadline(time.monotonic() + left):
            for attempt in retrying:
                with attempt:
                    usage.calls += 1
                    return self.client.chat.completions.create_with_completion(
                        model=self.config.model,
                        response_model=response_model,
                        messages=messages,
                        max_retries=self.config.reasks,
                        strict=self.config.strict,
                        context=context,
                        token_budget=self._reask_budget(usage),
                        max_tokens=self.config.max_tokens,
                        temperature=self.config.temperature,
                        seed=self.config.seed,
                    )
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def _reask_budget(self, usage: Usage) -> int:
        """Instructor stops re-asking once an attempt has used `token_budget` tokens. A re-ask resends
        the whole conversation, so it costs about what the attempt before it did: half of what the
        report has left is the largest first attempt whose re-ask still fits in the report's budget."""
        left = self.config.token_budget - usage.prompt_tokens - usage.completion_tokens
        return max(1, left // 2)

    def _failure(self, e: Exception, usage: Usage) -> Failure:
        last = getattr(e, "last_completion", None)
        total = getattr(e, "total_usage", None) or getattr(last, "usage", None)  # a cut-off answer has only its own
        if total is not None:
            usage.prompt_tokens += getattr(total, "prompt_tokens", 0) or 0
            usage.completion_tokens += getattr(total, "completion_tokens", 0) or 0
        attempts = getattr(e, "n_attempts", 0) or 0
        usage.retries += max(attempts - 1, 0)
        raw = _content(last)
        if isinstance(e, IncompleteOutputException) or "max_tokens" in str(e):
            reason = f"the answer was cut off at max_tokens={self.config.max_tokens}"
        elif getattr(e, "failed_attempts", None):
            reason = f"no valid answer after {attempts} attempt(s): {_first_error(e.failed_attempts[-1].exception)}"
        else:
            cause = _root(e)
            if isinstance(cause, openai.APIConnectionError) and cause.__cause__ is not None:
                cause = next(
                    x for x in _chain(cause) if isinstance(x, httpx.HTTPError | OSError) or x.__cause__ is None
                )
                # "Connection error." says less than what broke the connection
            reason = f"{type(cause).__name__}: {(str(cause).splitlines() or [''])[0][:200]}"
        usage.errors.append(reason)
        return Failure(reason, raw)

    @staticmethod
    def _account(usage: Usage, completion: Any) -> None:
        u = getattr(completion, "usage", None)
        if u is not None:
            usage.prompt_tokens += u.prompt_tokens or 0
            usage.completion_tokens += u.completion_tokens or 0

    # ------------------------------------------------------------ cache
    def _cache_key(self, params: dict[str, Any], messages: list[dict[str, str]]) -> str:
        blob = json.dumps([params, messages], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def _cache_get(self, key: str, response_model: type[T], context: dict[str, Any]) -> T | None:
        if self.config.cache_dir is None:
            return None
        path = self.config.cache_dir / key[:2] / f"{key}.json"
        try:
            # Validated again: the validators check the answer against this report's text.
            return response_model.model_validate_json(path.read_text("utf-8"), context=context)
        except (OSError, ValueError):
            return None

    def _cache_put(self, key: str, value: BaseModel) -> None:
        if self.config.cache_dir is None:
            return
        path = self.config.cache_dir / key[:2] / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(value.model_dump_json(), "utf-8")
        tmp.replace(path)  # atomic: parallel workers never read half a file


def _first_error(exc: BaseException) -> str:
    """The first message of a validation error, without pydantic's boilerplate lines."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            return f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}"[:300]
        except (IndexError, KeyError, TypeError):
            pass
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def _count_retry(usage: Usage) -> None:
    usage.retries += 1


def _content(completion: Any) -> str | None:
    try:
        return completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return None
