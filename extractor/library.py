"""The library's front door: `extract` and `extract_text`, plain Python over the compiled core.

Kept out of the compiled modules on purpose: a compiled function shows no docstring to `help()` and no
signature to `inspect`, and this is the function every caller reads first.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from extractor.core.schema import Report
from extractor.pipeline import extract_document
from extractor.read.load import MAX_BYTES, load_path, load_text

if TYPE_CHECKING:  # the model path (openai, instructor) is imported only when a model is used
    from extractor.llm.client import ModelClient


def extract(
    source: str | Path | None = None,
    *,
    text: str | None = None,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
    llm: ModelClient | None = None,
) -> Report:
    """Extract one report: from a file (`source`, a path) or from its text (`text=`).

        extract("reports/2022.html")
        extract(text=page_text, name="2022.txt")

    `source` names a file; a str that names no file raises FileNotFoundError (a typo in a path is not
    a report). For backward compatibility a `source` holding a line break is taken as text.
    `name`: the source recorded in the report (default: the path, or "<text>").
    `llm`: a ModelClient (e.g. `ModelClient(ModelConfig.from_env())`) for the model path; None runs
    rules only. Raises extractor.InputError (one clear sentence) for input that is not a readable report.
    """
    if (source is None) == (text is None):
        raise TypeError("extract() takes a path or text=..., one of the two")
    if text is None and isinstance(source, str) and "\n" in source:
        text = source
    if text is not None:
        doc = load_text(text, name or "<text>")
    else:
        path = Path(source)  # type: ignore[arg-type]
        if not _is_file(path):
            raise FileNotFoundError(f"{source}: no such file (to extract a report's text, pass text=...)")
        doc = load_path(path, max_bytes)
    if name:
        doc = replace(doc, source=name)
    return extract_document(doc, llm)


def extract_text(text: str, name: str = "<text>", *, llm: ModelClient | None = None) -> Report:
    """Extract one report from its text (a str); `name` is the source recorded in the report."""
    return extract(text=text, name=name, llm=llm)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system, say: no file of that name
        return False
