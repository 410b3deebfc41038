"""The results file: JSON Lines of records, read the same way by every tool that opens one.

A batch writes one record per line and flushes it, so a killed run can leave only one kind of damage:
a last line cut off mid-write (no newline after it). `repair` removes it before a resumed run appends
(`--resume` redoes that report). To every reader that line, like any other line that is not a record,
is an error that names the file and the line: an export or a review never drops a report unsaid.

Records are encoded and decoded with orjson: a flat record is ~20 KB of JSON, and the standard
library's encoder and decoder took a fifth of a whole `xxgk extract --flat` run between them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

READ_BUFFER = 1 << 20  # a flat record is ~20 KB: through the default 8 KB buffer, each line is copied piece by piece


class ResultsError(ValueError):
    """A results file that cannot be read as records; the message names the file and the line."""


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    offset: int  # byte offset of the line in the file
    record: dict[str, Any]


def lines(path: str | Path) -> Iterator[Line]:
    """Every record of a results file, with where it stands."""
    path = Path(path)
    offset = 0
    with path.open("rb", buffering=READ_BUFFER) as f:
        for number, raw in enumerate(f, 1):
            at, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            if not raw.endswith(b"\n"):
                cut = "a record cut off by a killed run (`xxgk extract --resume` finishes it)"
                raise ResultsError(f"{path}:{number}: {cut}")
            try:
                record = orjson.loads(raw)
            except ValueError:  # not JSON, or not UTF-8
                raise ResultsError(f"{path}:{number}: not a JSON record") from None
            if not isinstance(record, dict) or "source" not in record:
                raise ResultsError(f"{path}:{number}: not an xxgk record (no 'source')")
            yield Line(number, at, record)


def dumps(record: dict[str, Any]) -> str:
    """One record as a line of JSON (without its newline), UTF-8 characters as they are."""
    return encode(record).decode()


def encode(record: dict[str, Any]) -> bytes:
    """One record as a line of UTF-8 JSON (without its newline), ready for a results file opened in
    binary: a batch writes 20 KB a report, and decoding it to text only to encode it again cost 3%."""
    try:
        return orjson.dumps(record)
    except TypeError:  # what orjson cannot encode (an integer past 64 bits, printed by a hostile report)
        return json.dumps(record, ensure_ascii=False).encode()


def loads(raw: bytes | str) -> Any:
    return orjson.loads(raw)


def records(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a results file (full or flat), in file order."""
    for line in lines(path):
        yield line.record


def repair(path: Path) -> None:
    """Cut a last line that a killed run left half-written, so that appended records start on a line."""
    if not path.exists():
        return
    with path.open("rb+") as f:
        size = f.seek(0, os.SEEK_END)
        pos = size
        while pos > 0:  # back from the end, a block at a time: results files run to gigabytes
            start = max(0, pos - (1 << 20))
            f.seek(start)
            newline = f.read(pos - start).rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            pos = start
        else:
            end = 0
        if end < size:
            f.truncate(end)


def content_hashes(path: Path) -> set[str]:
    """The content hashes of the records already in `path` (what `--resume` skips)."""
    if not path.exists():
        return set()
    return {h for r in records(path) if isinstance(h := r.get("content_hash"), str)}
