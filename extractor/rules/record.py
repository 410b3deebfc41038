"""The record stage: the typed Report assembled from what the stages read (field id -> Value).

Models are filled without pydantic's validation (`construct`): every Value was made by this
package, and validating a few hundred of them per report cost more than reading the report.
tests/test_record.py checks that such records validate and serialise like validated ones.
"""

from __future__ import annotations

from typing import TypeVar, get_args

from pydantic import BaseModel

from extractor.core import confidence as tier
from extractor.core.layout import Block, layout
from extractor.core.normalize import nfkc
from extractor.core.schema import Active2019, Active2021, Applications, Disputes, Format, Narrative, Report, Value

M = TypeVar("M", bound=BaseModel)
TABLE_PREFIXES = ("active.", "applications.", "disputes.")
_TABLE_FIELDS: dict[str, tuple[str, ...]] = {}  # format -> its table fields, in order (learnt on first use)

_set = object.__setattr__


def construct(cls: type[M], fields: dict) -> M:
    """What BaseModel.model_construct does, for a dict that already holds every field.

    model_construct inspects each default factory on every call, which cost more than the rest of the
    extraction."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", fields)
    _set(obj, "__pydantic_fields_set__", set(fields))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def blank(cls: type[M], **given: object) -> M:
    """A new `cls` with `given` fields and every other at its default, without validation: a Report
    made this way needs no validator, so none is built (schema.BaseModel defers building them)."""
    fields: dict[str, object] = {}
    for name, f in cls.model_fields.items():
        factory = f.default_factory
        if name in given:
            fields[name] = given[name]
        elif factory is None:
            fields[name] = f.default
        elif isinstance(factory, type) and issubclass(factory, BaseModel):
            fields[name] = blank(factory)
        else:
            fields[name] = factory()  # type: ignore[call-arg]
    return construct(cls, fields)


_PLANS: dict[tuple[type[BaseModel], str], list[tuple[str, object]]] = {}
# The plans whose every field is a Value (table rows, groups), as (name, field id): None for the others.
_LEAVES: dict[tuple[type[BaseModel], str], list[tuple[str, str]] | None] = {}


def _plan(cls: type[BaseModel], prefix: str) -> list[tuple[str, object]]:
    """How to fill each field of `cls` at `prefix`: a field id (a Value), a nested model, an
    optional nested model (built only when asked for), or a default."""
    plan: list[tuple[str, object]] = []
    for name, f in cls.model_fields.items():
        ann = f.annotation
        nested = [a for a in get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
        if ann is Value:
            plan.append((name, prefix + name))
        elif isinstance(ann, type) and issubclass(ann, BaseModel) and f.default_factory is not None:
            plan.append((name, (ann, f"{prefix}{name}.")))
        elif len(nested) == 1 and f.default is None:  # `Model | None = None`, e.g. 2021's 其他处理 rows
            plan.append((name, ("optional", nested[0], f"{prefix}{name}.")))
        else:
            plan.append((name, ("default", f.default)))
    return plan


def build(cls: type[M], values: dict[str, Value], prefix: str = "", optional: bool = False) -> M:
    """A model filled from `values` (field id -> Value); fields not in it get an empty Value.

    `optional`: also build the `Model | None` fields (else they stay None).
    """
    key = (cls, prefix)
    plan = _PLANS.get(key)
    if plan is None:  # a few dozen (model, prefix) pairs in all: worked out once each
        plan = _PLANS[key] = _plan(cls, prefix)
        pairs = [(name, how) for name, how in plan if isinstance(how, str)]
        _LEAVES[key] = pairs if len(pairs) == len(plan) else None
    leaf = _LEAVES[key]
    if leaf is not None:  # a table row: every field a Value
        return construct(cls, {name: values.get(fid) or Value() for name, fid in leaf})
    kwargs: dict[str, object] = {}
    for name, how in plan:
        if isinstance(how, str):
            kwargs[name] = values.get(how) or Value()
        elif how[0] == "default":  # type: ignore[index]
            kwargs[name] = how[1]  # type: ignore[index]
        elif how[0] == "optional":  # type: ignore[index]
            kwargs[name] = build(how[1], values, how[2]) if optional else None  # type: ignore[index]
        else:
            kwargs[name] = build(how[0], values, how[1])  # type: ignore[index]
    return construct(cls, kwargs)


def _flag_unread_cells(report: Report, values: dict[str, Value], fmt: Format, read: list[str], text: str) -> None:
    """Cells a standard-format report should print but the parser never found are in doubt: every
    cell of a table the parser could not read, and the unread cells of a table (表二: of a block)
    it did read. A 表二 block the report leaves out altogether (none of its values read, neither its
    caption nor a row label anywhere in the text) is not printed, not unread."""
    if fmt not in _TABLE_FIELDS:
        _TABLE_FIELDS[fmt] = tuple(fid for fid, _ in fields(report) if fid.startswith(TABLE_PREFIXES))
    if not read:
        # No table at all: every cell the format prints is unread, each with its own reason, so that a
        # user who filters on review sees all of them (a doubt on meta.format alone hid 200 nulls).
        if not report.meta.format.review:
            report.meta.format.review.append("none of the official tables was found in the report")
            report.meta.format.confidence = min(report.meta.format.confidence, tier.BROKEN)
        for fid in _TABLE_FIELDS[fmt]:
            v = report.get(fid)
            if v is not None and v.value is None and not v.review:
                v.review.append(f"the report's table for this field was not found ({fid.split('.')[0]})")
                v.confidence = tier.NONE
                values[fid] = v
        return
    unread = [f for f in _TABLE_FIELDS[fmt] if (v := values.get(f)) is None or v.status == "missing"]
    if not unread:  # the common case: every cell was read
        return
    blocks = {row.id: block for block in layout().active[fmt] for row in block.rows}
    printed = {
        blocks[row].caption
        for fid, v in values.items()
        if fid.startswith("active.") and v.value is not None and (row := fid.split(".")[1]) in blocks
    }
    # A block whose caption (第二十条第（八）项) is in the text, or a row label on a table line, was printed
    # even if its values were not read. A row label in the prose alone ("实施行政处罚31家") is not a block.
    printed |= {b.caption for b in layout().active[fmt] if _printed(b, text)}
    for fid in unread:
        v = report.get(fid)
        if v is None or v.status != "missing" or v.review:
            continue
        part, row = fid.split(".")[:2]
        if part == "active" and part in read and row in blocks and blocks[row].caption not in printed:
            continue
        if part in read:
            why = "table cell not found in the report"
        else:
            why = f"the report's table for this field could not be read ({part})"
        v.review.append(why)
        v.confidence = tier.NONE
        values[fid] = v


def _printed(block: Block, text: str) -> bool:
    if nfkc(block.caption) in text:
        return True
    for row in block.rows:
        at, seen = text.find(row.label), 0
        while at >= 0 and seen < 50:  # near the label only: a page without line breaks is one long line
            lo, hi = max(0, at - 200), min(len(text), at + 200)
            start = text.rfind("\n", lo, at) + 1 or lo
            end = text.find("\n", at, hi)
            if "|" in text[start : hi if end < 0 else end]:
                return True
            at, seen = text.find(row.label, at + 1), seen + 1
    return False


def assemble(report: Report, values: dict[str, Value], fmt: Format, read: list[str], text: str = "") -> None:
    """Fill `report` from `values` (field id -> Value): its tables, narrative and review list.

    `read`: the tables the parser read; the cells they should print but did not go to review.
    `text`: the report's (normalised) text, where a 表二 block left unread may still be printed.
    """
    if fmt == "2019":
        report.active = build(Active2019, values, "active.")
    elif fmt == "2021":
        report.active = build(Active2021, values, "active.")
    if fmt != "legacy" or any(k.startswith("applications.") for k in values):
        report.applications = build(Applications, values, "applications.", optional=fmt == "2021")  # 其他处理 rows
    if fmt != "legacy" or any(k.startswith("disputes.") for k in values):
        report.disputes = build(Disputes, values, "disputes.")
    report.narrative = build(Narrative, values, "narrative.")
    if fmt in ("2019", "2021"):
        _flag_unread_cells(report, values, fmt, read, text)
    for name in ("organ", "year"):
        v = getattr(report.meta, name)
        if v.value is None and not v.review:
            v.review.append("not found in the report")
            v.confidence = tier.NONE
    # Every reviewed value is in `values` (the stages put it there) or in meta.
    meta = [(f"meta.{name}", getattr(report.meta, name)) for name in type(report.meta).model_fields]
    report.review = [fid for fid, v in (*meta, *values.items()) if v.review and report.get(fid) is v]


# ---------------------------------------------------------------- every field, and the flat record
_ROUNDED: dict[float, float] = {}  # confidence -> rounded to 3 places: a handful of tiers recur in every report
RECORD_PARTS = ("meta", "active", "applications", "disputes", "narrative")
_IDS: dict[tuple[type, str], list[tuple[str, str]]] = {}  # (model class, prefix) -> (field, field id)


def fields(report: Report) -> list[tuple[str, Value]]:
    """Every field of `report` as (field id, Value), in declaration order (Report.fields)."""
    out: list[tuple[str, Value]] = []
    for part in RECORD_PARTS:
        model = report.__dict__[part]
        if model is not None:
            _collect(model, part, out)
    return out


def _collect(model: BaseModel, prefix: str, out: list[tuple[str, Value]]) -> None:
    key = (type(model), prefix)
    ids = _IDS.get(key)
    if ids is None:  # a few dozen (model, prefix) pairs in all: each model's field ids worked out once
        ids = _IDS[key] = [(name, f"{prefix}.{name}") for name in type(model).model_fields]
    own = model.__dict__
    for name, fid in ids:
        child = own[name]
        if isinstance(child, Value):
            out.append((fid, child))
        elif child is not None and isinstance(child, BaseModel):
            _collect(child, fid, out)


def flat(report: Report) -> dict:
    """The flat record of ../shared/spec/flat-record.md: every field the report has, by field id, in
    declaration order. A field the report's format does not have (status missing, no value, no review)
    is left out."""
    values: dict[str, object] = {}
    confidence: dict[str, float] = {}
    for fid, v in fields(report):
        if v.status == "missing" and v.value is None and not v.review:
            continue
        values[fid] = v.value
        c = v.confidence
        r = _ROUNDED.get(c)
        if r is None:
            if len(_ROUNDED) >= 4096:  # bounded, so a batch's memory stays flat
                _ROUNDED.clear()
            r = _ROUNDED[c] = round(c, 3)
        confidence[fid] = r
    return {"source": report.source, "values": values, "confidence": confidence, "review": list(report.review)}
