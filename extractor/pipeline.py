"""The one core the CLI and the library share: normalise, sections, tables, prose, model, reconcile, record."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING

from extractor import __version__
from extractor.core import confidence as tier
from extractor.core.errors import InputError
from extractor.core.layout import layout
from extractor.core.normalize import NormalText, label_key, normalize
from extractor.core.reading import Reading
from extractor.core.schema import Format, Identity, Report, Span, Usage, Value, identities
from extractor.read.load import Anchor, Document
from extractor.rules.legacy import read_legacy_table
from extractor.rules.linebreaks import line_breaks
from extractor.rules.meta import NOT_A_REPORT, detect_format, format_value, is_annual_report, read_meta
from extractor.rules.narrative import read_narrative
from extractor.rules.reconcile import doubt_derived, forced_by, reconcile
from extractor.rules.record import assemble, blank
from extractor.rules.regions import TABLES, table_regions
from extractor.rules.sections import Section, split_sections
from extractor.rules.tables import read_active, read_applications, read_disputes

if TYPE_CHECKING:  # the model path (openai, instructor) is imported only when a model is used
    from extractor.llm.client import ModelClient

TABLE_NAMES = {
    "active": "表二 (section 二, 主动公开政府信息情况)",
    "applications": "表三 (section 三, 收到和处理政府信息公开申请情况)",
    "disputes": "表四 (section 四, 行政复议、行政诉讼情况)",
}
OCR_SURE = 0.9  # a recognition scored below this, unconfirmed by any identity, goes to review
# The prose is not read inside 表二 and 表三; section 四's table shares its section with the sentences
# that state the 复议/诉讼 counts, so it stays readable.
PROSE_SKIPS = ("active", "applications")
# In a legacy report the prose figures are all there is; they stand for these table cells.
LEGACY_STANDS_FOR = {
    "applications.new_received.total": "narrative.applications_received",
    "disputes.reconsideration.total": "narrative.reconsideration_total",
}


def extract_document(doc: Document, llm: ModelClient | None = None) -> Report:
    norm = normalize(doc.text, line_breaks)
    sections = split_sections(norm.text)
    if not is_annual_report(norm, len(sections)):
        raise InputError(NOT_A_REPORT)
    report = blank(Report, source=doc.source, content_hash=doc.content_hash, extractor_version=__version__)
    report.meta = read_meta(norm)
    year = report.meta.year.value
    fmt, evidence = detect_format(norm, _has_application_table(norm, sections), year if type(year) is int else None)
    report.meta.format = format_value(norm, fmt, evidence)

    draft = Reading()  # every stage's reading, added in pipeline order
    tables: list[str] = []
    if fmt in ("2019", "2021"):
        for part, reading in _read_tables(norm, sections, fmt):
            draft.add(reading)
            if reading.values:
                tables.append(part)
    skip = [draft.regions[part] for part in PROSE_SKIPS if part in draft.regions]
    draft.add(read_narrative(norm, skip))
    if llm is not None and llm.config.enabled:
        _ask_model(llm, norm, fmt, draft, skip, report.usage)
    elif fmt == "legacy":
        draft.problems.append("no model configured: the prose was read by rules only")
    if fmt == "legacy":
        draft.add(_with_prose(read_legacy_table(norm), draft.values))
        draft.add(_legacy_cells(draft.values))
        tables = []
    report.problems += draft.problems
    values = draft.values
    parts = [t for t in tables if t != "active"]
    report.checks = reconcile(values, fmt, parts, draft.sound, norm.restored_lines > 0, draft.in_row)
    if any(a.confidence is not None for a in doc.anchors):
        _ocr_doubts(values, doc.anchors, identities(fmt) if fmt != "legacy" else ())
        _ocr_name(report.meta.organ, doc.anchors)
    doubt_derived(values, fmt)
    assemble(report, values, fmt, tables, norm.text)
    if doc.anchors or doc.pages:
        meta = [getattr(report.meta, name) for name in type(report.meta).model_fields]
        _locate([*values.values(), *(v for v in meta if isinstance(v, Value))], doc.anchors, doc.pages)
    return report


def _ask_model(
    llm: ModelClient, norm: NormalText, fmt: Format, draft: Reading, skip: list[tuple[int, int]], usage: Usage
) -> None:
    """The model reads only what the rules left open: unsettled narrative facts, table rows in doubt.
    Its readings are added to the draft as new Values beside (or over) the rules' ones."""
    from extractor.llm import narrative, reread

    deadline = narrative.deadline_from(llm.config.deadline)
    asked = narrative.unsettled(draft.values)
    draft.add(narrative.merge(draft.values, narrative.read_narrative(llm, norm, skip, usage, deadline, asked)))
    for part in reread.PARTS:
        region = draft.regions.get(part)
        rows = reread.rows_in_doubt(part, fmt, draft.values, draft.sound) if region else ()
        if region and rows:
            grid = reread.read_table(llm, norm, region, part, fmt, rows, draft.values, draft.sound, usage, deadline)
            draft.add(reread.merge_grid(norm, draft.values, draft.sound, grid))


def _locate(values: list[Value], anchors: tuple[Anchor, ...], pages: tuple[int, ...]) -> None:
    """Give each piece of evidence the path of the table cell it was read from and its PDF page."""
    starts = [a.start for a in anchors]
    for v in values:
        for ev in v.evidence:
            if (a := _anchor(anchors, starts, ev)) is not None:
                ev.path = a.path
            if pages:
                ev.page = bisect.bisect_right(pages, ev.source_start)


def _anchor(anchors: tuple[Anchor, ...], starts: list[int], ev: Span) -> Anchor | None:
    i = bisect.bisect_right(starts, ev.source_start) - 1
    return anchors[i] if i >= 0 and ev.source_start <= anchors[i].end else None


def _ocr_doubts(values: dict[str, Value], anchors: tuple[Anchor, ...], rules: tuple[Identity, ...] = ()) -> None:
    """Values read from text that OCR recognised: their source says so, and a doubtful recognition no
    identity confirms goes to review. The identities check the digits: a misread digit breaks them (and
    the reconciler has sent such a cell to review already); a cell no identity can check (表二, the
    prose) is trusted only when the recogniser was sure, and never as much as printed text.

    An identity confirms a cell only when every cell on the other side of it was read too, and holds
    with every identity it is in: one that holds because a blank total was derived from the cell says
    nothing about it, and nor does a cell that breaks its own row's sum (a row of a scan missing an
    empty cell's `|` puts its numbers one column off, and the rows below it the same way: the column
    then balances with the same wrong cells). Blanks beside the cell, on its own side, do not stop the
    check: the cells facing it still bound it."""
    starts = [a.start for a in anchors]
    by_id = {rule.id: rule for rule in rules if not rule.soft}

    def confirmed(fid: str, v: Value) -> bool:
        for outcome in v.rules:
            rule = by_id.get(outcome.rpartition(":")[0])
            if rule is None or not outcome.endswith(":PASS"):
                continue
            facing = rule.rhs if fid in rule.lhs else rule.lhs
            if facing and all(
                f in values and _read(values[f]) and values[f].status != "source_inconsistent" for f in facing
            ):
                return True
        return False

    for fid, v in values.items():
        if v.source not in ("table_cell", "sentence") or v.value is None:
            continue
        found = [(ev, a) for ev in v.evidence if (a := _anchor(anchors, starts, ev)) and a.confidence is not None]
        if not found:
            continue
        cell = v.source == "table_cell"
        v.source = "ocr"
        if (through := _failing_through(fid, v, values, by_id)) is not None:
            if not v.review:  # a misread here breaks an identity only through the cell derived from it
                v.review.append(f"read by OCR; {through[0]} fails through {through[1]}, derived with this cell")
        elif confirmed(fid, v):
            continue
        score = min(a.confidence for _, a in found if a.confidence is not None)
        # A cell cut out of a recognised line of text (a table printed without rules, `|` typed as
        # text) has no box of its own: a | read as 1 beside it looks like one more digit.
        inline = cell and any(not a.cell or a.end - a.start > ev.source_end - ev.source_start + 2 for ev, a in found)
        seen = next((a.seen for _, a in found if a.seen), None)
        if v.review:
            pass
        elif seen is not None:
            v.review.append(f"OCR read '{seen}', taken as the digits it looks like; no identity confirms it")
        elif inline:
            v.review.append("read by OCR from a line of text, not from a cell of its own; no identity confirms it")
        elif score < OCR_SURE:
            v.review.append(f"read by OCR with confidence {score:.2f}, and no identity confirms it")
        v.confidence = min(v.confidence, tier.REVIEW_CAP if v.review else tier.OCR_UNCHECKED)


def _failing_through(
    fid: str, v: Value, values: dict[str, Value], by_id: dict[str, Identity]
) -> tuple[str, str] | None:
    """An identity that fails through a derived cell this cell helped derive (a 7 read as 1 in a row of
    其他处理: the group's derived total carries the error into R2, which fails there, not here). Helped
    derive: the cell is in the identity that forced the derived one, not merely in another identity
    beside it (a group total forced from its three sub-rows owes nothing to the column's other rows)."""
    for outcome in v.rules:
        name = outcome.rpartition(":")[0]
        rule = by_id.get(name)
        for other in rule.cells if rule is not None else ():
            d = values.get(other)
            if other == fid or d is None or d.status != "derived" or name not in forced_by(d):
                continue
            failed = next((r.rpartition(":")[0] for r in d.rules if r.endswith(":FAIL")), None)
            if failed is not None:
                return failed, other
    return None


def _ocr_name(organ: Value, anchors: tuple[Anchor, ...]) -> None:
    """An agency name OCR read goes to review: no identity checks a name's characters, and the
    recogniser swaps look-alikes with confidence (沭阳 read as 沐阳)."""
    starts = [a.start for a in anchors]
    if organ.value is not None and any(
        (a := _anchor(anchors, starts, ev)) is not None and a.confidence is not None for ev in organ.evidence
    ):
        organ.review.append("agency name read by OCR: check its characters against the scan")
        organ.confidence = min(organ.confidence, tier.REVIEW_CAP)


def _read(v: Value) -> bool:
    """Was the value read from the report (not derived by the arithmetic, not left open)?"""
    return v.value is not None and v.status != "derived" and v.source in ("table_cell", "ocr", "sentence")


def _has_application_table(norm: NormalText, sections: dict[str, Section]) -> bool:
    """Does the report print the standard 表三 (any of its first rows' labels: in section 三, or
    anywhere when that section's heading was not found)?"""
    sec = sections.get("applications")
    body = sec.text(norm.text) if sec is not None else norm.text
    return any(label_key(row.label) in body for row in layout().app_rows[:3])


def _read_tables(norm: NormalText, sections: dict[str, Section], fmt: Format) -> Iterator[tuple[str, Reading]]:
    """表二, 表三 and 表四, each from where it is printed (rules.regions)."""
    regions = table_regions(norm.text, sections)
    readers = {
        "active": lambda a, b: read_active(norm, a, b, fmt),
        "applications": lambda a, b: read_applications(norm, a, b, fmt)[0],
        "disputes": lambda a, b: read_disputes(norm, a, b),
    }
    for table in TABLES:
        region = regions.get(table)
        if region is None:
            yield table, Reading(problems=[f"{TABLE_NAMES[table]} not found"])
            continue
        reading = readers[table](*region)
        reading.regions[table] = region
        if table not in sections:
            reading.problems.append(
                f"{TABLE_NAMES[table]} read where its header stands: its section heading was not found"
            )
        yield table, reading


def _with_prose(table: Reading, prose: dict[str, Value]) -> Reading:
    """A legacy statistics table's figures, checked against the prose's (R7 for legacy reports): the
    same figure in both confirms the cell; two figures send it to review with both."""
    for fid, cell in table.values.items():
        said = prose.get(fid)
        if said is None or said.value is None:
            continue
        if said.value == cell.value:
            cell.evidence += said.evidence
            cell.note = f"{cell.note}; the prose says the same"
        else:
            cell.review.append(f"R7: the statistics table gives {cell.value}, the prose {said.value}")
            cell.evidence += said.evidence
    return table


def _legacy_cells(values: dict[str, Value]) -> Reading:
    reading = Reading()
    for cell, fact in LEGACY_STANDS_FOR.items():
        src = values.get(fact)
        if src is None or src.value is None:
            continue
        where = "statistics table (统计表)" if src.source == "table_cell" else "prose"
        reading.values[cell] = Value(
            value=src.value, status="derived", source=src.source, evidence=list(src.evidence), raw=src.raw,
            confidence=src.confidence, note=f"legacy report: the {where} figure ({fact}) stands for this cell",
            review=[*src.review, f"legacy report without the standard table: value read from the {where}"],
            provenance=src.provenance,
        )  # fmt: skip
    return reading
