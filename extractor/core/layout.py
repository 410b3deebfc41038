"""The official table layouts, read once from labels.toml into typed specs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from extractor.core.normalize import label_key
from extractor.core.numbers import Kind
from extractor.core.schema import Format

FORMATS = ("2019", "2021")


@dataclass(frozen=True, eq=False)  # one instance per column of the layout: identity is equality, hashing is cheap
class Column:
    id: str
    label: str
    kind: Kind = "count"
    unit: str = "件"
    note_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    number: str | None = None
    aliases: tuple[str, ...] = ()
    formats: tuple[str, ...] = FORMATS
    group: str | None = None  # the group label a numbered sub-row sits under, e.g. （三）不予公开

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(label_key(x) for x in (self.label, *self.aliases)))


@dataclass(frozen=True)
class Block:
    """One 第二十条 block of 表二: a caption, its columns and its rows."""

    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True, eq=False)
class Layout:
    sections: dict[str, tuple[str, ...]]
    app_columns: tuple[Column, ...]
    app_rows: tuple[Row, ...]
    app_group_labels: tuple[str, ...]
    app_header_labels: tuple[str, ...]
    dispute_groups: tuple[Column, ...]
    dispute_columns: tuple[Column, ...]
    dispute_headings: tuple[str, ...]
    active: dict[str, tuple[Block, ...]]
    format_markers: dict[str, tuple[str, ...]]
    organ_suffixes: tuple[str, ...]
    not_names: tuple[str, ...]
    spam_markers: tuple[str, ...]
    injection_markers: tuple[str, ...]
    qualifiers: tuple[str, ...]  # words that narrow a prose figure to less than the fact
    approximate_before: tuple[str, ...]  # words before a figure that make it a round guess (近百件)
    approximate_after: tuple[str, ...]  # words after a figure that make it a round guess (200余件)
    changes: tuple[str, ...]  # verbs of change: a figure after one is a difference (同比减少15件)
    total_leads: tuple[str, ...]  # words opening a clause that states a total again (ends a 其中 list)
    foreign_subjects: dict[str, tuple[str, ...]]  # narrative fact -> subjects whose counts are not it
    own_phrases: dict[str, tuple[str, ...]]  # narrative fact -> phrases naming it that hold a foreign word
    legacy_rows: dict[str, tuple[str, ...]]  # narrative fact -> row labels of a pre-2019 statistics table
    legacy_value_columns: tuple[str, ...]
    legacy_units: tuple[str, ...]

    def app_rows_for(self, fmt: Format) -> tuple[Row, ...]:
        return tuple(r for r in self.app_rows if fmt in r.formats)

    def active_rows(self, fmt: Format) -> dict[str, tuple[Row, Block]]:
        return _active_rows(self, fmt)


@cache
def _active_rows(lay: Layout, fmt: Format) -> dict[str, tuple[Row, Block]]:
    return {row.id: (row, block) for block in lay.active[fmt] for row in block.rows}


def _row(d: dict) -> Row:
    return Row(
        d["id"],
        d["label"],
        d.get("number"),
        tuple(d.get("aliases", ())),
        tuple(d.get("formats", FORMATS)),
        d.get("group"),
    )


def _column(d: dict) -> Column:
    return Column(d["id"], d["label"], d.get("kind", "count"), d.get("unit", "件"), tuple(d.get("note_words", ())))


@cache
def layout() -> Layout:
    data = tomllib.loads(resources.files("extractor.core").joinpath("labels.toml").read_text("utf-8"))
    app = data["applications"]
    disputes = data["disputes"]
    active = {
        fmt: tuple(
            Block(b["caption"], tuple(_column(c) for c in b["columns"]), tuple(_row(r) for r in b["rows"]))
            for b in blocks
        )
        for fmt, blocks in data["active"].items()
    }
    return Layout(
        sections={k: tuple(v) for k, v in data["sections"].items()},
        app_columns=tuple(_column(c) for c in app["columns"]),
        app_rows=tuple(_row(r) for r in app["rows"]),
        app_group_labels=tuple(app["group_labels"]),
        app_header_labels=tuple(app["header_labels"]),
        dispute_groups=tuple(_column(c) for c in disputes["groups"]),
        dispute_columns=tuple(_column(c) for c in disputes["columns"]),
        dispute_headings=tuple(disputes["headings"]),
        active=active,
        format_markers={k: tuple(v) for k, v in data["format_markers"].items()},
        organ_suffixes=tuple(data["meta"]["organ_suffixes"]),
        not_names=tuple(data["meta"]["not_names"]),
        spam_markers=tuple(data["meta"]["spam_markers"]),
        injection_markers=tuple(data["model"]["injection_markers"]),
        qualifiers=tuple(data["narrative"]["qualifiers"]),
        approximate_before=tuple(data["narrative"]["approximate_before"]),
        approximate_after=tuple(data["narrative"]["approximate_after"]),
        changes=tuple(data["narrative"]["changes"]),
        total_leads=tuple(data["narrative"]["total_leads"]),
        foreign_subjects={k: tuple(v) for k, v in data["narrative"]["foreign_subjects"].items()},
        own_phrases={k: tuple(v) for k, v in data["narrative"]["own_phrases"].items()},
        legacy_rows={k: tuple(v) for k, v in data["legacy_table"]["rows"].items()},
        legacy_value_columns=tuple(data["legacy_table"]["value_columns"]),
        legacy_units=tuple(data["legacy_table"]["units"]),
    )
