"""Where each table is printed: its section's body, or, when the section's heading was not found (a
typo, a numbering no rule knows), wherever the table's own header stands.

Section headings bound the prose; the tables say what they are themselves: 表二 its 第二十条 captions,
表三 its 勾稽关系 note, 申请人情况 header and first row label, 表四 its 行政复议 / 行政诉讼 header. A table
found outside its expected section is still read; it takes over the rest of the region it was found in.
"""

from __future__ import annotations

import re
from functools import cache

from extractor.core.layout import layout
from extractor.core.normalize import label_key, nfkc
from extractor.rules.sections import Section

TABLES = ("active", "applications", "disputes")
_DISPUTES_HEADER = re.compile(r"行政复议[\s|]*(?:行政诉讼|结果维持)")


def table_regions(text: str, sections: dict[str, Section]) -> dict[str, tuple[int, int]]:
    """Table -> (start, end) in the normalised text, for each table the report shows."""
    regions = _by_section(sections)
    for table in TABLES:
        if table in regions:
            continue
        at = find_table(text, table)
        if at is None:
            continue
        start = text.rfind("\n", 0, at) + 1
        holder = next((t for t, (a, b) in regions.items() if a <= start < b), None)
        if holder is not None:  # printed inside another table's section: it takes the rest of it
            a, b = regions[holder]
            regions[holder] = (a, start)
            regions[table] = (start, b)
        else:
            later = [s.start for s in sections.values() if s.start > start]
            regions[table] = (start, min(later, default=len(text)))
    return regions


def _by_section(sections: dict[str, Section]) -> dict[str, tuple[int, int]]:
    """Each table in its own section, up to the next table's section (or its own section's end)."""
    regions: dict[str, tuple[int, int]] = {}
    for k, table in enumerate(TABLES):
        sec = sections.get(table)
        if sec is None:
            continue
        nxt = sections.get(TABLES[k + 1]) if k + 1 < len(TABLES) else None
        regions[table] = (sec.body_start, nxt.start if nxt is not None else sec.end)
    return regions


def find_table(text: str, table: str) -> int | None:
    """Where the first text only `table` prints stands, if anywhere."""
    if table == "disputes":
        m = _DISPUTES_HEADER.search(text)
        return m.start() if m else None
    found = [i for marker in _markers(table) if (i := text.find(marker)) >= 0]
    return min(found, default=None)


@cache
def _markers(table: str) -> tuple[str, ...]:
    lay = layout()
    if table == "active":
        return tuple(sorted({nfkc(b.caption) for blocks in lay.active.values() for b in blocks}))
    return (label_key(lay.app_rows[0].label), "本列数据的勾稽关系", "申请人情况")
