"""The one core the CLI and the library share: normalise, sections, tables, prose, model, reconcile, record."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING

from extractor import __version__
from extractor.core.errors import InputError
from extractor.core.layout import layout
from extractor.core.normalize import NormalText, label_key, normalize
from extractor.core.reading import Reading
from extractor.core.schema import Format, Report, Usage, Value
from extractor.read.load import Anchor, Document
from extractor.rules.linebreaks import line_breaks
from extractor.rules.meta import NOT_A_REPORT, detect_format, format_value, is_annual_report, read_meta
from extractor.rules.narrative import read_narrative
from extractor.rules.reconcile import reconcile
from extractor.rules.record import assemble
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
    report = Report(source=doc.source, content_hash=doc.content_hash, extractor_version=__version__)
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
        draft.add(_legacy_cells(draft.values))
        tables = []
    report.problems += draft.problems
    values = draft.values
    report.checks = reconcile(values, fmt, [t for t in tables if t != "active"], draft.sound, norm.restored_lines > 0)
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
    asked = narrative.unsettled(draft.values, fmt)
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
            i = bisect.bisect_right(starts, ev.source_start) - 1
            if i >= 0 and ev.source_start <= anchors[i].end:
                ev.path = anchors[i].path
            if pages:
                ev.page = bisect.bisect_right(pages, ev.source_start)


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


def _legacy_cells(values: dict[str, Value]) -> Reading:
    reading = Reading()
    for cell, fact in LEGACY_STANDS_FOR.items():
        src = values.get(fact)
        if src is None or src.value is None:
            continue
        reading.values[cell] = Value(
            value=src.value, status="derived", source=src.source, evidence=list(src.evidence), raw=src.raw,
            confidence=src.confidence, note=f"legacy report: the prose figure ({fact}) stands for this cell",
            review=[*src.review, "legacy report without the standard table: value read from the prose"],
            provenance=src.provenance,
        )  # fmt: skip
    return reading
