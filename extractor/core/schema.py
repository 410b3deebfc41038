"""The typed record of one report, and the arithmetic rules (勾稽关系) that bind its fields.

Declared once, here: the pydantic models are the interface of the library, their JSON Schema is
published under schemas/, and the rules below name fields by the same ids the flat record uses
(../shared/spec/fields.tsv).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Annotated, Literal, get_args

from pydantic import BaseModel as PydanticModel
from pydantic import ConfigDict, Field

from extractor.compiled import restore_annotations
from extractor.core import values
from extractor.core.values import Scalar, Source, Span, Status, Value

__all__ = ["Scalar", "Source", "Span", "Status", "Value"]  # the leaves of the record, declared in core.values
restore_annotations(values, Span, Value)

Outcome = Literal["PASS", "FAIL", "NOT_ASSESSABLE"]
# The report formats: the two official table formats (2019 试行, 2021) and pre-2019 reports ("legacy").
Format = Literal["2019", "2021", "legacy"]


class BaseModel(PydanticModel):
    """Every model of the record. Pydantic builds a model's validator and serialiser when it is first
    used, not at import: a rules-only batch writing flat records never validates a Report (the stages
    fill it without validation, rules.record.blank), and building them cost a third of start-up."""

    model_config = ConfigDict(defer_build=True)


V = Annotated[Value, Field(default_factory=Value)]


class Meta(BaseModel):
    organ: V
    year: V
    format: V
    published: V


# ---------------------------------------------------------------- 表二, each format with its own columns
class Documents2019(BaseModel):
    made: V
    published: V
    total_published: V


class Items2019(BaseModel):
    previous_items: V
    change: V
    decisions: V


class Fees2019(BaseModel):
    previous_items: V
    change: V


class Procurement2019(BaseModel):
    items: V
    amount: V


class Active2019(BaseModel):
    format: Literal["2019"] = "2019"
    regulations: Documents2019 = Field(default_factory=Documents2019)
    normative_documents: Documents2019 = Field(default_factory=Documents2019)
    licensing: Items2019 = Field(default_factory=Items2019)
    other_services: Items2019 = Field(default_factory=Items2019)
    punishment: Items2019 = Field(default_factory=Items2019)
    coercion: Items2019 = Field(default_factory=Items2019)
    fees: Fees2019 = Field(default_factory=Fees2019)
    procurement: Procurement2019 = Field(default_factory=Procurement2019)


class Documents2021(BaseModel):
    issued: V
    repealed: V
    in_force: V


class Decisions2021(BaseModel):
    decisions: V


class Fees2021(BaseModel):
    amount: V


class Active2021(BaseModel):
    format: Literal["2021"] = "2021"
    regulations: Documents2021 = Field(default_factory=Documents2021)
    normative_documents: Documents2021 = Field(default_factory=Documents2021)
    licensing: Decisions2021 = Field(default_factory=Decisions2021)
    punishment: Decisions2021 = Field(default_factory=Decisions2021)
    coercion: Decisions2021 = Field(default_factory=Decisions2021)
    fees: Fees2021 = Field(default_factory=Fees2021)


# ---------------------------------------------------------------- 表三
class ApplicationRow(BaseModel):
    natural_person: V
    commercial: V
    research: V
    social_org: V
    legal_service: V
    other_org: V
    total: V


def _row() -> ApplicationRow:
    return ApplicationRow()  # type: ignore[call-arg]  # every field has a default (V)


R = Annotated[ApplicationRow, Field(default_factory=_row)]


class Applications(BaseModel):
    new_received: R
    carried_over: R
    granted: R
    partially_granted: R
    denied_state_secret: R
    denied_prohibited_by_law: R
    denied_security_stability: R
    denied_third_party: R
    denied_internal_affairs: R
    denied_process_info: R
    denied_enforcement_file: R
    denied_administrative_query: R
    unable_not_held: R
    unable_needs_creation: R
    unable_unclear: R
    rejected_petition: R
    rejected_duplicate: R
    rejected_publication: R
    rejected_vexatious: R
    rejected_confirmation: R
    other_total: R
    other_overdue_correction: ApplicationRow | None = None
    other_unpaid_fee: ApplicationRow | None = None
    other_other: ApplicationRow | None = None
    processed_total: R
    carried_forward: R


# ---------------------------------------------------------------- 表四
class DisputeGroup(BaseModel):
    upheld: V
    corrected: V
    other: V
    pending: V
    total: V


def _group() -> DisputeGroup:
    return DisputeGroup()  # type: ignore[call-arg]  # every field has a default (V)


G = Annotated[DisputeGroup, Field(default_factory=_group)]


class Disputes(BaseModel):
    reconsideration: G
    litigation_direct: G
    litigation_after_reconsideration: G


class Narrative(BaseModel):
    """Facts the prose states; they restate table figures (R7) or stand alone in legacy reports."""

    applications_received: V
    applications_completed: V
    reconsideration_total: V
    litigation_total: V
    fee_amount: V


# A frozen dataclass rather than a BaseModel: most checks pass, and the passing check of a rule is then
# one object every report shares (reconcile._Plan.passed). Pydantic validates and serialises it as
# part of Report all the same.
@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one rule on one report."""

    rule: str
    outcome: Outcome
    cells: tuple[str, ...]
    detail: str = ""


class CrossYearCheck(BaseModel):
    """The outcome of a cross-year rule (X1–X3) between this report and the same agency's other year."""

    rule: str
    outcome: Literal["PASS", "FAIL", "WARN"]  # WARN: a soft rule (X3) that does not hold
    cells: list[str]
    detail: str = ""
    years: list[int]
    other: str  # the source of the other year's report


class Usage(BaseModel):
    """What the model path cost for this report (all zero on the rules-only path)."""

    calls: int = 0  # HTTP requests sent (a re-ask inside one request is counted in retries)
    retries: int = 0  # transport retries and validation re-asks
    cached: int = 0  # answers taken from the response cache
    prompt_tokens: int = 0
    completion_tokens: int = 0
    errors: list[str] = Field(default_factory=list, description="why a model call gave no usable answer")
    asked: list[str] = Field(
        default_factory=list,
        description="what the model was asked for, which the rules left open: narrative facts by name, "
        "table rows as 'applications.<row>' or 'disputes.<group>'",
    )

    def add(self, other: Usage) -> None:
        """Sum another report's usage into this one (batch totals)."""
        for name in ("calls", "retries", "cached", "prompt_tokens", "completion_tokens"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


class Report(BaseModel):
    """Everything extracted from one report file."""

    source: str
    content_hash: str
    extractor_version: str
    meta: Meta = Field(default_factory=Meta)
    active: Annotated[Active2019 | Active2021, Field(discriminator="format")] | None = None
    applications: Applications | None = None
    disputes: Disputes | None = None
    narrative: Narrative = Field(default_factory=Narrative)
    checks: list[Check] = Field(default_factory=list)
    review: list[str] = Field(default_factory=list, description="field ids a person should check")
    problems: list[str] = Field(default_factory=list, description="what the parser could not do")
    usage: Usage = Field(default_factory=Usage)
    cross_year: list[CrossYearCheck] = Field(
        default_factory=list, description="rules across years, filled when a batch holds the year before or after"
    )

    def fields(self) -> Iterator[tuple[str, Value]]:
        """Every field as (field id, Value), in declaration order (rules.record.fields)."""
        from extractor.rules.record import fields

        return iter(fields(self))

    def get(self, field_id: str) -> Value | None:
        """The Value of `field_id` ("disputes.reconsideration.total"); None when this report has no such
        part (a 2019-format field of a 2021 report). Raises KeyError for an id that is no field of the
        record at all (a typo)."""
        if field_id not in field_ids():
            raise KeyError(f"{field_id!r} is not a field id of the record (see extractor/core/fields.tsv)")
        node: object = self
        for name in field_id.split("."):
            node = getattr(node, name, None)
            if node is None:
                return None
        return node if isinstance(node, Value) else None

    def flat(self) -> dict:
        """The flat record of ../shared/spec/flat-record.md (rules.record.flat)."""
        from extractor.rules.record import flat

        return flat(self)


@cache
def field_ids() -> frozenset[str]:
    """Every field id a record can hold, in either format (the models' own fields)."""
    parts = (("meta", Meta), ("active", Active2019), ("active", Active2021), ("applications", Applications),
             ("disputes", Disputes), ("narrative", Narrative))  # fmt: skip
    return frozenset(fid for part, cls in parts for fid in _field_ids_of(cls, part + "."))


def _field_ids_of(cls: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, f in cls.model_fields.items():
        if f.annotation is Value:
            yield prefix + name
            continue
        for nested in (f.annotation, *get_args(f.annotation)):
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                yield from _field_ids_of(nested, f"{prefix}{name}.")


# ---------------------------------------------------------------- the arithmetic rules (report-format.md §6)
APPLICANT_COLUMNS = tuple(ApplicationRow.model_fields)
PARTS = tuple(APPLICANT_COLUMNS[:-1])
RESULT_ROWS = (
    "granted", "partially_granted",
    "denied_state_secret", "denied_prohibited_by_law", "denied_security_stability", "denied_third_party",
    "denied_internal_affairs", "denied_process_info", "denied_enforcement_file", "denied_administrative_query",
    "unable_not_held", "unable_needs_creation", "unable_unclear",
    "rejected_petition", "rejected_duplicate", "rejected_publication", "rejected_vexatious", "rejected_confirmation",
    "other_total",
)  # fmt: skip
OTHER_2021 = ("other_overdue_correction", "other_unpaid_fee", "other_other")
DISPUTE_PARTS = ("upheld", "corrected", "other", "pending")


@dataclass(frozen=True, eq=False)  # made once per format; hashed by identity, so caches keyed on them are cheap
class Identity:
    """sum(lhs) == sum(rhs). Soft identities (R7) compare prose with tables: a mismatch is a warning."""

    id: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    soft: bool = False

    @cached_property  # read for every field of every report: computed once per identity
    def cells(self) -> tuple[str, ...]:
        return self.lhs + self.rhs

    @cached_property
    def cell_set(self) -> frozenset[str]:
        return frozenset(self.lhs + self.rhs)


@cache
def identities(fmt: Format) -> tuple[Identity, ...]:
    """Every identity (R1–R4, R7) that binds a report of format `fmt` ("2019" or "2021")."""
    a = "applications"
    rows = [*RESULT_ROWS[:-1], "other_total", "new_received", "carried_over", "processed_total", "carried_forward"]
    if fmt == "2021":
        rows += OTHER_2021
    rules: list[Identity] = []
    for col in APPLICANT_COLUMNS:
        rules.append(Identity(
            f"R1[{col}]",
            (f"{a}.new_received.{col}", f"{a}.carried_over.{col}"),
            (f"{a}.processed_total.{col}", f"{a}.carried_forward.{col}"),
        ))  # fmt: skip
        rules.append(
            Identity(f"R2[{col}]", (f"{a}.processed_total.{col}",), tuple(f"{a}.{r}.{col}" for r in RESULT_ROWS))
        )
        if fmt == "2021":
            rules.append(
                Identity(f"R2.6[{col}]", (f"{a}.other_total.{col}",), tuple(f"{a}.{r}.{col}" for r in OTHER_2021))
            )
    for row in rows:
        rules.append(Identity(f"R3[{row}]", (f"{a}.{row}.total",), tuple(f"{a}.{row}.{c}" for c in PARTS)))
    for group in Disputes.model_fields:
        rules.append(
            Identity(
                f"R4[{group}]", (f"disputes.{group}.total",), tuple(f"disputes.{group}.{p}" for p in DISPUTE_PARTS)
            )
        )
    d = "disputes"
    rules += [
        Identity(
            "R7[applications_received]", ("narrative.applications_received",), (f"{a}.new_received.total",), soft=True
        ),
        Identity(
            "R7[applications_completed]",
            ("narrative.applications_completed",),
            (f"{a}.processed_total.total",),
            soft=True,
        ),
        Identity(
            "R7[reconsideration_total]",
            ("narrative.reconsideration_total",),
            (f"{d}.reconsideration.total",),
            soft=True,
        ),
        Identity(
            "R7[litigation_total]",
            ("narrative.litigation_total",),
            (f"{d}.litigation_direct.total", f"{d}.litigation_after_reconsideration.total"),
            soft=True,
        ),
    ]
    return tuple(rules)


@dataclass(frozen=True)
class CrossYearRule:
    """A rule across two reports of one agency (report-format.md §6, X1–X3): this year's `lhs` equals
    the sum of `rhs` terms, each (year offset 0 or -1, sign, field id). Soft rules (X3) only warn."""

    id: str
    lhs: str
    rhs: tuple[tuple[int, int, str], ...]
    formats: frozenset[tuple[str, str]]  # (format last year, format this year) the rule holds across
    soft: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.lhs, *(f for _, _, f in self.rhs))


_TABLE_FORMATS = frozenset({("2019", "2019"), ("2019", "2021"), ("2021", "2021")})
CROSS_YEAR_RULES: tuple[CrossYearRule, ...] = (
    *(
        CrossYearRule(
            f"X1[{col}]",
            f"applications.carried_over.{col}",
            ((-1, 1, f"applications.carried_forward.{col}"),),
            _TABLE_FORMATS,
        )
        for col in APPLICANT_COLUMNS
    ),
    *(
        CrossYearRule(
            f"X2[{item}]",
            f"active.{item}.previous_items",
            ((-1, 1, f"active.{item}.previous_items"), (-1, 1, f"active.{item}.change")),
            frozenset({("2019", "2019")}),
        )
        for item in ("licensing", "other_services", "punishment", "coercion", "fees")
    ),
    *(
        CrossYearRule(
            f"X3[{doc}]",
            f"active.{doc}.in_force",
            ((-1, 1, f"active.{doc}.in_force"), (0, 1, f"active.{doc}.issued"), (0, -1, f"active.{doc}.repealed")),
            frozenset({("2021", "2021")}),
            soft=True,
        )
        for doc in ("regulations", "normative_documents")
    ),
)


# R5: every count is an integer >= 0; 本年增/减 is signed; money may be decimal. Which fields are signed
# or money is declared with their columns in labels.toml (`kind`), and for the prose in NARRATIVE_KINDS.
NARRATIVE_KINDS = {"fee_amount": "money"}  # the other narrative facts are counts


@cache
def field_kinds() -> dict[str, str]:
    """Field id -> "signed" or "money", for every field that is not a whole count >= 0."""
    from extractor.core.layout import layout  # layout imports Format from here

    kinds = {f"narrative.{name}": kind for name, kind in NARRATIVE_KINDS.items()}
    for blocks in layout().active.values():
        for block in blocks:
            for row in block.rows:
                kinds.update({f"active.{row.id}.{c.id}": c.kind for c in block.columns if c.kind != "count"})
    return kinds


def r5_holds(field_id: str, value: Scalar) -> bool:
    if value is None or isinstance(value, str) or field_id.startswith("meta."):
        return True
    kind = field_kinds().get(field_id, "count")
    if type(value) is int:  # the common case: a whole count
        return value >= 0 or kind == "signed"
    if kind == "signed":
        return float(value).is_integer()
    if kind == "money":
        return value >= 0
    return value >= 0 and float(value).is_integer()


def json_schema() -> dict:
    """The JSON Schema of the full record, as published in schemas/report.schema.json."""
    schema = Report.model_json_schema()
    schema["$id"] = "https://github.com/xxgk-extractor/xxgk-extractor/schemas/report.schema.json"
    return schema


if __name__ == "__main__":  # python -m extractor.core.schema > schemas/report.schema.json
    import json

    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
