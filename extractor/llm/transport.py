"""The HTTP transport under the model client: every request bounded in time and in size.

httpx's timeouts bound each network operation, not a whole request: a server that accepts the
connection and then trickles a byte every few seconds would hold a report forever, and one that
streams without end would fill the memory. Here each response is read against the report's model
deadline (set by the client around its call) and a byte limit derived from `max_tokens`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx2 as httpx

_deadline: ContextVar[float | None] = ContextVar("xxgk_model_deadline", default=None)

# A token is a few bytes of text; JSON escapes (\uXXXX) and the response envelope add more. An
# answer bigger than this cannot be what `max_tokens` allowed.
BYTES_PER_TOKEN = 32
ENVELOPE_BYTES = 16 * 1024


class ResponseTooLarge(httpx.ReadError):
    """More bytes than `max_tokens` can produce: not retried (the server would send them again)."""


class DeadlinePassed(httpx.ReadTimeout):
    """The report's model deadline passed while the response was being read."""


@contextmanager
def deadline(at: float) -> Iterator[None]:
    """Requests made in this block end by `at` (a time.monotonic() value)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def max_response_bytes(max_tokens: int) -> int:
    return ENVELOPE_BYTES + BYTES_PER_TOKEN * max_tokens


class BoundedTransport(httpx.BaseTransport):
    """Wraps a transport: per-operation timeouts no longer than what the deadline leaves, and the body
    read against the deadline and the byte limit."""

    def __init__(self, inner: httpx.BaseTransport, max_bytes: int) -> None:
        self.inner, self.max_bytes = inner, max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        at = _deadline.get()
        if at is not None:
            left = at - time.monotonic()
            if left <= 0:
                raise DeadlinePassed("the report's model deadline passed", request=request)
            timeouts = request.extensions.get("timeout") or {}
            request.extensions["timeout"] = {
                k: left if v is None else min(v, left) for k, v in {"connect": None, "read": None, "write": None,
                                                                     "pool": None, **timeouts}.items()
            }  # fmt: skip
        response = self.inner.handle_request(request)
        stream = _Bounded(response.stream, at, self.max_bytes, request)  # type: ignore[arg-type]
        return httpx.Response(
            response.status_code, headers=response.headers, stream=stream, extensions=response.extensions,
            request=request,
        )  # fmt: skip

    def close(self) -> None:
        self.inner.close()


class _Bounded(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, at: float | None, max_bytes: int, request: httpx.Request) -> None:
        self.inner, self.at, self.max_bytes, self.request = inner, at, max_bytes, request

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self.inner:
            seen += len(chunk)
            if seen > self.max_bytes:
                raise ResponseTooLarge(
                    f"response larger than {self.max_bytes} bytes, more than max_tokens allows", request=self.request
                )
            if self.at is not None and time.monotonic() > self.at:
                raise DeadlinePassed("the report's model deadline passed while reading", request=self.request)
            yield chunk

    def close(self) -> None:
        self.inner.close()
