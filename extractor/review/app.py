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

import hashlib
import re
import secrets
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, unquote, urlsplit

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from extractor.core.arithmetic import outcome
from extractor.core.layout import layout
from extractor.core.schema import Format, Report
from extractor.read.load import InputError, load_path, read_bytes
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

TABLE_CAPTIONS = {
    "active": "表二",
    "applications": "表三 收到和处理政府信息公开申请情况",
    "disputes": "表四 行政复议、行政诉讼情况",
}
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Item:
    """One flagged field in the queue."""

    content_hash: str
    field: str
    confidence: float
    source: str
    value: Any = None
    reasons: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The first reason without its particulars: what the queue filters on and bulk accept groups by."""
        return reason_kind(self.reasons[0]) if self.reasons else "(no reason given)"


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_PARTICULARS = re.compile(r"\s*\([^()]*\d[^()]*\)")
_NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:\.\d+)?")  # R7 is a rule id, not a figure


def reason_kind(reason: str) -> str:
    """A review reason without its particulars (quoted text, numbers, bracketed figures), so that the
    same reason on two rows is one kind: "row label matched only loosely: '…'"."""
    kind = _PARTICULARS.sub("", _QUOTED.sub("'…'", reason))
    return " ".join(_NUMBER.sub("N", kind).split())


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
        self.by_report: dict[str, list[int]] = {}  # content hash -> its items' places in the queue
        for n, item in enumerate(self.queue):
            self.by_report.setdefault(item.content_hash, []).append(n)
        self._cache: OrderedDict[str, Report] = OrderedDict()

    def _index(self, record: dict[str, Any], offset: int) -> None:
        if "values" in record or "content_hash" not in record:
            raise ValueError(f"{self.path}: review needs full records (run `xxgk extract` without --flat)")
        h = record["content_hash"]
        self.entries[h] = Entry(offset, record["source"], list(record.get("review", [])))
        for fid in record.get("review", []):
            node = _node(record, fid)
            self.queue.append(
                Item(h, fid, float(node.get("confidence", 0.0)), record["source"], node.get("value"),
                     tuple(node.get("review", ())))
            )  # fmt: skip

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

    def crop(self, content_hash: str, paths: list[str]) -> bytes | None:
        """The page image around the first OCR box among `paths`, from the report's file as it was read."""
        from extractor.read import ocr

        try:
            data = read_bytes(self.entries[content_hash].source)
        except InputError:
            return None
        if hashlib.sha256(data).hexdigest() != content_hash:
            return None
        return next((png for path in paths if (png := ocr.crop(data, path)) is not None), None)


def _node(record: dict[str, Any], field_id: str) -> dict[str, Any]:
    """A field's value object read straight from the JSON (indexing thousands of records stays quick)."""
    node: Any = record
    for name in field_id.split("."):
        node = node.get(name) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


REVIEWER_COOKIE = "xxgk_reviewer"
SCOPES = ("report", "table")  # what one bulk accept covers, besides the reason


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
MAX_BODY = 64 * 1024  # a decision is a few hundred bytes


def create_app(
    results: Path,
    store: DecisionStore | Path,
    reviewer: str | None,
    token: str | None = None,
    hosts: tuple[str, ...] | None = LOOPBACK_NAMES,
) -> FastAPI:
    """The app for one results file. `store`: the decisions, or the SQLite file to keep them in
    (created only once the results have been read). `reviewer`: the name kept with each decision;
    None makes the app ask for it once (kept in a cookie). `hosts`: the names the app answers to
    (a page reached by another name is a DNS-rebinding attempt); None answers to any."""
    app = FastAPI(title="xxgk review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(Guard, hosts=hosts)
    data = Results(results)
    if not isinstance(store, DecisionStore):
        store = DecisionStore(store)
    token = token or secrets.token_urlsafe(24)
    app.state.token = token
    app.state.queue = data.queue
    app.state.results = data
    app.state.store_path = store.path
    labels = {s.id: s.label for s in field_specs()}

    def check_token(given: str) -> None:
        if not secrets.compare_digest(given, token):
            raise HTTPException(403, "missing or wrong token: reload the page")

    def item_index(n: int) -> Item:
        if not 0 <= n < len(data.queue):
            raise HTTPException(404, "no such item in the queue")
        return data.queue[n]

    def who(request: Request) -> str | None:
        name = reviewer or unquote(request.cookies.get(REVIEWER_COOKIE, "")).strip()
        return name[:80] or None

    def writer(request: Request, given_token: str, n: int) -> tuple[Item, str | None]:
        """What every write checks first: this run's token, the item, and who decides (None: ask)."""
        check_token(given_token)
        return item_index(n), who(request)

    def ask_name(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/who?next={quote(request.url.path)}", status_code=303)

    @app.get("/who", response_class=HTMLResponse)
    def who_form(request: Request, next: str = "/") -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "who.html", {"next": _local(next), "token": token})

    @app.post("/who")
    def who_set(name: str = Form(""), next: str = Form("/"), token_: str = Form("", alias="token")) -> Response:
        check_token(token_)
        if not name.strip():
            raise HTTPException(400, "a name is needed")
        response = RedirectResponse(_local(next), status_code=303)
        # Quoted: a cookie holds ASCII, and names are often Chinese.
        response.set_cookie(REVIEWER_COOKIE, quote(name.strip()[:80]), httponly=True, samesite="strict")
        return response

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
            request, "index.html", {"reports": reports, "queue": data.queue, "first": first, "who": who(request)}
        )

    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request, reason: str = "", report: str = "", todo: bool = False) -> HTMLResponse:
        done = store.decided()
        in_report = [(n, i) for n, i in enumerate(data.queue) if not report or i.content_hash == report]
        kinds = Counter(i.kind for _, i in in_report)
        rows = [
            (n, i, done.get((i.content_hash, i.field)))
            for n, i in in_report
            if (not reason or i.kind == reason) and not (todo and (i.content_hash, i.field) in done)
        ]
        context = {
            "rows": rows, "labels": labels, "kinds": kinds.most_common(), "reason": reason, "report": report,
            "todo": todo, "reports": sorted((e.source, h) for h, e in data.entries.items() if e.review),
        }  # fmt: skip
        return TEMPLATES.TemplateResponse(request, "queue.html", context)

    def item_page(request: Request, n: int, error: str | None = None, typed: str | None = None) -> HTMLResponse:
        it = item_index(n)
        report = data.report(it.content_hash)
        try:
            v = report.get(it.field)
        except KeyError:
            raise HTTPException(404, f"no field {it.field!r} in the record") from None
        fmt = _format(report)
        values = current_values(report, store.latest(it.content_hash))
        context = {
            "n": n, "total": len(data.queue), "item": it, "v": v, "label": labels.get(it.field, it.field),
            "fmt": fmt, "token": token, "reviewer": who(request),
            "rules": _rules_view(fmt, it.field, values, labels),
            "allowed": _allowed(fmt, it.field, values),
            "text": _marked_text(data.text(it.content_hash), v.evidence if v else []),
            "scanned": any("/ocr/box[" in (ev.path or "") for ev in (v.evidence if v else [])),
            "grid": _grid(fmt, it.field, values),
            "history": store.history(it.content_hash, it.field),
            "problems": report.problems,
            "bulk": {scope: len(bulk_items(n, scope, fmt)) for scope in SCOPES},
            "table": _table_caption(fmt, it.field),
            "error": error, "typed": typed, "notice": request.query_params.get("notice"),
            "fixed_reviewer": reviewer is not None,
        }  # fmt: skip
        return TEMPLATES.TemplateResponse(request, "item.html", context, status_code=400 if error else 200)

    def bulk_items(n: int, scope: str, fmt: Format) -> list[int]:
        """The undecided items that share item n's reason and its report (scope "report") or table too."""
        it, done = data.queue[n], store.latest(data.queue[n].content_hash)
        table = _table_caption(fmt, it.field)
        return [
            k
            for k in data.by_report[it.content_hash]
            if data.queue[k].kind == it.kind and data.queue[k].field not in done
            and (scope == "report" or _table_caption(fmt, data.queue[k].field) == table)
        ]  # fmt: skip

    @app.get("/crop/{n}")
    def crop(n: int) -> Response:
        """The scanned page around the box OCR read item n's value from (read/ocr.crop)."""
        it = item_index(n)
        v = data.report(it.content_hash).get(it.field)
        png = data.crop(it.content_hash, [ev.path for ev in (v.evidence if v else []) if ev.path])
        if png is None:
            raise HTTPException(404, "no scanned page for this value")
        return Response(png, media_type="image/png")

    @app.get("/item/{n}", response_class=HTMLResponse)
    def item(request: Request, n: int) -> Response:
        if who(request) is None:
            return ask_name(request)
        return item_page(request, n)

    @app.post("/decide")
    def decide(
        request: Request, n: int = Form(...), action: str = Form(..., alias="decision"),
        token_: str = Form("", alias="token"), value: str = Form(""), reason: str = Form(""),
    ) -> Response:  # fmt: skip
        it, name = writer(request, token_, n)
        if name is None:
            return ask_name(request)
        if action not in ACTIONS:
            raise HTTPException(400, f"unknown action {action!r}")
        v = data.report(it.content_hash).get(it.field)
        old = v.value if v else None
        try:
            new = parse_value(it.field, value) if action == "correct" else old
        except InvalidValue as e:
            return item_page(request, n, error=f"{labels.get(it.field, it.field)}: must be {e}", typed=value)
        if action == "correct" and new == old:
            action = "accept"  # saving the value as it stands confirms it
        store.record(Decision(it.content_hash, it.field, action, old, new, reason.strip(), name))  # type: ignore[arg-type]
        target = f"/item/{n + 1}" if n + 1 < len(data.queue) else "/queue"
        return RedirectResponse(target, status_code=303)

    @app.post("/accept-all")
    def accept_all(
        request: Request, n: int = Form(...), scope: str = Form(...), token_: str = Form("", alias="token")
    ) -> Response:
        """Accept every undecided field of item n's reason in its report or table, one decision each;
        a field in an identity that fails with the values as they stand is left for a look of its own."""
        it, name = writer(request, token_, n)
        if name is None:
            return ask_name(request)
        if scope not in SCOPES:
            raise HTTPException(400, f"unknown scope {scope!r}")
        report = data.report(it.content_hash)
        fmt = _format(report)
        values = current_values(report, store.latest(it.content_hash))
        accepted = kept = 0
        for k in bulk_items(n, scope, fmt):
            other = data.queue[k]
            if any(outcome(r, values) == "FAIL" for r in rules_involving(fmt, other.field) if not r.soft):
                kept += 1
                continue
            v = report.get(other.field)
            old = v.value if v else None
            store.record(Decision(other.content_hash, other.field, "accept", old, old, f"bulk: {it.kind}", name))
            accepted += 1
        done = store.decided()
        after = next((k for k in range(n, len(data.queue)) if _key(data.queue[k]) not in done), None)
        notice = f"{accepted} accepted" + (f"; {kept} left: an identity they are in fails" if kept else "")
        target = "/queue" if after is None else f"/item/{after}"
        return RedirectResponse(f"{target}?notice={quote(notice)}", status_code=303)

    @app.post("/check")
    async def check(request: Request) -> JSONResponse:
        """The identities re-checked with a proposed value, so the reviewer sees what it does."""
        body = await request.json()
        check_token(str(body.get("token", "")))
        it = item_index(int(body.get("n", -1)))
        report = data.report(it.content_hash)
        values = current_values(report, store.latest(it.content_hash))
        try:
            values[it.field] = parse_value(it.field, str(body.get("value", "")))
        except InvalidValue as e:
            return JSONResponse({"error": f"must be {e}", "rules": []})
        fmt = _format(report)
        return JSONResponse({"error": None, "rules": _rules_view(fmt, it.field, values, labels)})

    return app


def _format(report: Report) -> Format:
    # "" when the format is unknown: no table, no identity.
    return cast(Format, str(report.meta.format.value or ""))


class Guard:
    """Refuses, before any page code runs: a Host header the app does not answer to (DNS rebinding),
    a write sent from a page of another origin (cross-site request forgery; the token refuses it
    too), and a body larger than MAX_BODY (a decision is small; nothing large is ever read)."""

    def __init__(self, app: Any, hosts: tuple[str, ...] | None) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if self.hosts is not None and name not in self.hosts:
            return await _refuse(send, 421, "this page answers only on its own address")
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            if origin is not None and urlsplit(origin).netloc != host:
                return await _refuse(send, 403, "a write from another site's page is refused")
            if headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
                return await _refuse(send, 403, "a write from another site's page is refused")
            if int(headers.get("content-length") or 0) > MAX_BODY:
                return await _refuse(send, 413, "request too large")
            receive = _limited(receive, scope)
        return await self.app(scope, receive, send)


def _limited(receive: Any, scope: Any) -> Any:
    """A body read in chunks (no Content-Length) is cut off at MAX_BODY as well."""
    seen = 0

    async def limited() -> Any:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY:
            raise HTTPException(413, "request too large")
        return message

    return limited


async def _refuse(send: Any, status: int, message: str) -> None:
    body = message.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _key(item: Item) -> tuple[str, str]:
    return item.content_hash, item.field


def _local(target: str) -> str:
    """A redirect target kept on this app: a path, never another site."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def current_values(report: Report, decisions: dict[str, Decision]) -> dict[str, Any]:
    """The report's values with the reviewers' corrections so far: what the identities are checked on."""
    values = {fid: val.value for fid, val in report.fields()}
    for fid, d in decisions.items():
        if d.action == "correct" and fid in values:
            values[fid] = d.new_value
    return values


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


def _table_spec(fmt: Format, fid: str) -> tuple[str, str, Any, Any] | None:
    """The table holding a field, in the official layout: caption, id prefix, rows and columns."""
    lay = layout()
    part = fid.split(".", 1)[0]
    if part == "applications":
        return TABLE_CAPTIONS[part], part, lay.app_rows_for(fmt or "2021"), lay.app_columns
    if part == "disputes":
        return TABLE_CAPTIONS[part], part, lay.dispute_groups, lay.dispute_columns
    if part == "active" and fmt in lay.active:
        for block in lay.active[fmt]:
            if any(fid.startswith(f"active.{r.id}.") for r in block.rows):
                return f"{TABLE_CAPTIONS[part]} {block.caption}", part, block.rows, block.columns
    return None


def _table_caption(fmt: Format, fid: str) -> str | None:
    spec = _table_spec(fmt, fid)
    return spec[0] if spec else None


def _grid(fmt: Format, fid: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """The table holding the field, in the official layout: caption, column labels, rows of cells."""
    spec = _table_spec(fmt, fid)
    return _table(*spec, fid, values) if spec else None


def _table(caption: str, part: str, rows: Any, cols: Any, fid: str, values: dict[str, Any]) -> dict[str, Any]:
    body = []
    for r in rows:
        cells = []
        for c in cols:
            cid = f"{part}.{r.id}.{c.id}"
            cells.append({"id": cid, "value": values.get(cid), "target": cid == fid})
        body.append({"label": r.label, "cells": cells})
    return {"caption": caption, "columns": [c.label for c in cols], "rows": body}
