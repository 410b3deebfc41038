"""The review app: a local web page where a person inspects, accepts and corrects doubtful fields.

    xxgk review results.jsonl [--port 8765]

Server-rendered pages (FastAPI + Jinja2). The queue holds every field on a record's review list,
most doubtful first (lowest confidence). Each field's page shows why it is flagged, the identities
it is in with the other cells' values, the evidence marked in the report's own text and the table
in its official layout with the cell marked. Decisions go to SQLite (extractor.review.decisions).

Safety: binds 127.0.0.1 unless told otherwise; pages name reports by content hash and fields by id,
both checked against the results, so no path from a request ever reaches the file system; every
write carries the token of this run.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from extractor.core.arithmetic import outcome
from extractor.core.layout import layout
from extractor.core.schema import Format, Report
from extractor.read.load import InputError, load_path
from extractor.results import jsonl
from extractor.results.export import field_specs
from extractor.review.decisions import (
    ACTIONS,
    Decision,
    DecisionStore,
    InvalidValue,
    parse_value,
    rules_involving,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Item:
    """One flagged field in the queue."""

    content_hash: str
    field: str
    confidence: float
    source: str


@dataclass
class Entry:
    """Where a report's record sits in the results file, and a summary for the list page."""

    offset: int
    source: str
    review: list[str]


class Results:
    """The results file, indexed by content hash; records are read from disk when a page needs one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        self.queue: list[Item] = []
        for line in jsonl.lines(path):
            self._index(line.record, line.offset)
        self.queue.sort(key=lambda i: (i.confidence, i.source, i.field))
        self._cache: OrderedDict[str, Report] = OrderedDict()

    def _index(self, record: dict[str, Any], offset: int) -> None:
        if "values" in record or "content_hash" not in record:
            raise ValueError(f"{self.path}: review needs full records (run `xxgk extract` without --flat)")
        h = record["content_hash"]
        self.entries[h] = Entry(offset, record["source"], list(record.get("review", [])))
        for fid in record.get("review", []):
            self.queue.append(Item(h, fid, _confidence(record, fid), record["source"]))

    def report(self, content_hash: str) -> Report:
        if content_hash not in self.entries:
            raise HTTPException(404, "no such report in the results")
        if content_hash not in self._cache:
            with self.path.open("rb") as f:
                f.seek(self.entries[content_hash].offset)
                self._cache[content_hash] = Report.model_validate_json(f.readline())
            if len(self._cache) > 64:
                self._cache.popitem(last=False)
        self._cache.move_to_end(content_hash)
        return self._cache[content_hash]

    def text(self, content_hash: str) -> str | None:
        """The report's text as the loader rendered it (the offsets of the evidence point into it)."""
        source = self.entries[content_hash].source
        try:
            doc = load_path(source)
        except InputError:
            return None
        return doc.text if doc.content_hash == content_hash else None


def _confidence(record: dict[str, Any], field_id: str) -> float:
    """A field's confidence read straight from the JSON (indexing thousands of records stays quick)."""
    node: Any = record
    for name in field_id.split("."):
        node = node.get(name) if isinstance(node, dict) else None
    return float(node.get("confidence", 0.0)) if isinstance(node, dict) else 0.0


def create_app(results: Path, store: DecisionStore | Path, reviewer: str, token: str | None = None) -> FastAPI:
    """The app for one results file. `store`: the decisions, or the SQLite file to keep them in
    (created only once the results have been read)."""
    app = FastAPI(title="xxgk review", docs_url=None, redoc_url=None, openapi_url=None)
    data = Results(results)
    if not isinstance(store, DecisionStore):
        store = DecisionStore(store)
    token = token or secrets.token_urlsafe(24)
    app.state.token = token
    app.state.queue = data.queue
    labels = {s.id: s.label for s in field_specs()}

    def check_token(given: str) -> None:
        if not secrets.compare_digest(given, token):
            raise HTTPException(403, "missing or wrong token: reload the page")

    def item_index(n: int) -> Item:
        if not 0 <= n < len(data.queue):
            raise HTTPException(404, "no such item in the queue")
        return data.queue[n]

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        done = store.decided()
        decided: dict[str, int] = {}
        for h, _ in done:
            decided[h] = decided.get(h, 0) + 1
        reports = sorted(
            ((h, e.source, len(e.review), decided.get(h, 0)) for h, e in data.entries.items()),
            key=lambda r: (-r[2], r[1]),
        )
        first = next((n for n, i in enumerate(data.queue) if (i.content_hash, i.field) not in done), 0)
        return TEMPLATES.TemplateResponse(
            request, "index.html", {"reports": reports, "queue": data.queue, "first": first}
        )

    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request) -> HTMLResponse:
        done = store.decided()
        rows = [(n, i, done.get((i.content_hash, i.field))) for n, i in enumerate(data.queue)]
        return TEMPLATES.TemplateResponse(request, "queue.html", {"rows": rows, "labels": labels})

    @app.get("/item/{n}", response_class=HTMLResponse)
    def item(request: Request, n: int) -> HTMLResponse:
        it = item_index(n)
        report = data.report(it.content_hash)
        try:
            v = report.get(it.field)
        except KeyError:
            raise HTTPException(404, f"no field {it.field!r} in the record") from None
        fmt = str(report.meta.format.value or "")
        values = {fid: val.value for fid, val in report.fields()}
        context = {
            "n": n, "total": len(data.queue), "item": it, "v": v, "label": labels.get(it.field, it.field),
            "fmt": fmt, "token": token, "reviewer": reviewer,
            "rules": _rules_view(fmt, it.field, values, labels),
            "allowed": _allowed(fmt, it.field, values),
            "text": _marked_text(data.text(it.content_hash), v.evidence if v else []),
            "grid": _grid(fmt, it.field, values),
            "history": store.history(it.content_hash, it.field),
            "problems": report.problems,
        }  # fmt: skip
        return TEMPLATES.TemplateResponse(request, "item.html", context)

    @app.post("/decide")
    def decide(
        n: int = Form(...), action: str = Form(..., alias="decision"), token_: str = Form("", alias="token"),
        value: str = Form(""), reason: str = Form(""),
    ) -> RedirectResponse:  # fmt: skip
        check_token(token_)
        it = item_index(n)
        if action not in ACTIONS:
            raise HTTPException(400, f"unknown action {action!r}")
        v = data.report(it.content_hash).get(it.field)
        old = v.value if v else None
        try:
            new = parse_value(it.field, value) if action == "correct" else old
        except InvalidValue as e:
            raise HTTPException(400, f"{labels.get(it.field, it.field)}: must be {e}") from None
        store.record(Decision(it.content_hash, it.field, action, old, new, reason.strip(), reviewer))  # type: ignore[arg-type]
        target = f"/item/{n + 1}" if n + 1 < len(data.queue) else "/queue"
        return RedirectResponse(target, status_code=303)

    @app.post("/check")
    async def check(request: Request) -> JSONResponse:
        """The identities re-checked with a proposed value, so the reviewer sees what it does."""
        body = await request.json()
        check_token(str(body.get("token", "")))
        it = item_index(int(body.get("n", -1)))
        report = data.report(it.content_hash)
        values = {fid: val.value for fid, val in report.fields()}
        try:
            values[it.field] = parse_value(it.field, str(body.get("value", "")))
        except InvalidValue as e:
            return JSONResponse({"error": f"must be {e}", "rules": []})
        fmt = str(report.meta.format.value or "")
        return JSONResponse({"error": None, "rules": _rules_view(fmt, it.field, values, labels)})

    return app


def _rules_view(fmt: Format, fid: str, values: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for rule in rules_involving(fmt, fid):
        sides = [[(c, labels.get(c, c), values.get(c)) for c in side] for side in (rule.lhs, rule.rhs)]
        sums = [sum(x for _, _, x in side if isinstance(x, int | float)) for side in sides]
        out.append({"id": rule.id, "outcome": outcome(rule, values), "lhs": sides[0], "rhs": sides[1], "sums": sums})
    return out


def _allowed(fmt: Format, fid: str, values: dict[str, Any]) -> str | None:
    """For a blank: the values the arithmetic still allows (every count is ≥ 0)."""
    if values.get(fid) is not None:
        return None
    bounds = []
    for rule in (r for r in rules_involving(fmt, fid) if not r.soft):  # prose (R7) bounds nothing
        side, other = (rule.rhs, rule.lhs) if fid in rule.rhs else (rule.lhs, rule.rhs)
        if all(isinstance(values.get(c), int | float) for c in other):
            known = sum(values[c] for c in side if isinstance(values.get(c), int | float))
            bounds.append(sum(values[c] for c in other) - known)
    return f"0 to {min(bounds):g}" if bounds else None


def _marked_text(text: str | None, evidence: list) -> Markup | None:
    """The report's text, HTML-escaped, with each evidence span in a <mark>."""
    if text is None:
        return None
    spans = sorted({(e.source_start, e.source_end) for e in evidence if 0 <= e.source_start <= e.source_end})
    out, pos = [], 0
    for k, (start, end) in enumerate(spans):
        if start < pos:
            continue
        out += [escape(text[pos:start]), Markup(f'<mark id="ev{k}">'), escape(text[start:end]), Markup("</mark>")]
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _grid(fmt: Format, fid: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """The table holding the field, in the official layout: caption, column labels, rows of cells."""
    lay = layout()
    part = fid.split(".", 1)[0]
    if part == "applications":
        rows = lay.app_rows_for(fmt or "2021")
        cols = lay.app_columns
        return _table("表三 收到和处理政府信息公开申请情况", part, rows, cols, fid, values)
    if part == "disputes":
        return _table("表四 行政复议、行政诉讼情况", part, lay.dispute_groups, lay.dispute_columns, fid, values)
    if part == "active" and fmt in lay.active:
        for block in lay.active[fmt]:
            if any(fid.startswith(f"active.{r.id}.") for r in block.rows):
                return _table(f"表二 {block.caption}", part, block.rows, block.columns, fid, values)
    return None


def _table(caption: str, part: str, rows: Any, cols: Any, fid: str, values: dict[str, Any]) -> dict[str, Any]:
    body = []
    for r in rows:
        cells = []
        for c in cols:
            cid = f"{part}.{r.id}.{c.id}"
            cells.append({"id": cid, "value": values.get(cid), "target": cid == fid})
        body.append({"label": r.label, "cells": cells})
    return {"caption": caption, "columns": [c.label for c in cols], "rows": body}
