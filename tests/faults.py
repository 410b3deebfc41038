"""Faults put in front of the real (recorded) model: the first requests fail the way networks and
servers do, then the request goes on to the model through the transport the cassette records.

The faults are synthetic and visible here; every model answer in a cassette is real.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx2

Fault = Callable[[httpx2.Request], httpx2.Response | None]  # None: not this request, try the next


def status(code: int, retry_after: str | None = None) -> Fault:
    def fault(request: httpx2.Request) -> httpx2.Response:
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        return httpx2.Response(code, headers=headers, json={"error": {"message": f"injected {code}"}}, request=request)

    return fault


def timeout(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("injected read timeout", request=request)


def answer(content: str, finish_reason: str = "stop") -> Fault:
    """A 200 whose message is `content` (malformed JSON, a made-up quote …)."""

    def fault(request: httpx2.Request) -> httpx2.Response:
        body = {
            "id": "injected",
            "object": "chat.completion",
            "created": 0,
            "model": "local",
            "choices": [
                {"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return httpx2.Response(
            200,
            content=json.dumps(body, ensure_ascii=False).encode(),
            request=request,
            headers={"content-type": "application/json"},
        )

    return fault


def when(predicate: Callable[[httpx2.Request], bool], fault: Fault) -> Fault:
    """`fault` on the first request `predicate` picks; the requests before it go to the model."""

    def maybe(request: httpx2.Request) -> httpx2.Response | None:
        return fault(request) if predicate(request) else None

    return maybe


class FaultyTransport(httpx2.BaseTransport):
    """Serve `faults` in order for the first requests, then pass requests to the real transport."""

    def __init__(self, *faults: Fault) -> None:
        self.faults = list(faults)
        self.inner = httpx2.HTTPTransport()  # patched by vcrpy: recorded or replayed
        self.requests: list[httpx2.Request] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.faults:
            fault = self.faults.pop(0)
            response = fault(request)  # a timeout raises: that fault is spent too
            if response is not None:
                return response
            self.faults.insert(0, fault)  # not this request's fault: keep it for a later one
        return self.inner.handle_request(request)
