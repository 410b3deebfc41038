"""The record's leaves (core.values): their written-out constructors agree with their declared fields,
and pydantic sees the declared types whether the classes are compiled or not."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from extractor.core.schema import Report, Span, Value

SPAN_ARGS = (1, 2, 3, 4, "12", "/table[1]/tr[2]/td[3]", 5)
VALUE_ARGS = (7, "parsed", "sentence", [Span(*SPAN_ARGS)], 0.5, "7", ("R1:PASS",), ["why"], "note", {"model": "m"})


@pytest.mark.parametrize(("cls", "args"), [(Span, SPAN_ARGS), (Value, VALUE_ARGS)])
def test_the_constructor_takes_every_field_in_declared_order(cls: type, args: tuple) -> None:
    made = cls(*args)
    assert tuple(getattr(made, f.name) for f in dataclasses.fields(cls)) == args


@pytest.mark.parametrize(("cls", "args"), [(Span, SPAN_ARGS), (Value, VALUE_ARGS)])
def test_omitted_arguments_take_the_declared_defaults(cls: type, args: tuple) -> None:
    fields = dataclasses.fields(cls)
    required = [f for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    made = cls(*args[: len(required)])
    for f in fields[len(required) :]:
        declared = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
        assert getattr(made, f.name) == declared, f.name


def test_default_lists_are_not_shared() -> None:
    a, b = Value(), Value()
    a.review.append("x")
    a.evidence.append(Span(0, 1, 0, 1, "1"))
    assert b.review == [] and b.evidence == []


def test_pydantic_validates_and_serialises_values_by_their_declared_types() -> None:
    value = Value(3, "parsed", "table_cell", [Span(1, 2, 3, 4, "3")], 0.9, "3", ("R1:PASS",))
    report = Report(source="x", content_hash="h", extractor_version="v")
    report.narrative.fee_amount = value
    back = Report.model_validate_json(report.model_dump_json())
    assert back.narrative.fee_amount == value
    assert type(back.narrative.fee_amount) is Value and type(back.narrative.fee_amount.evidence[0]) is Span
    status = Report.model_json_schema()["$defs"]["Value"]["properties"]["status"]
    assert "source_inconsistent" in status["enum"]
    with pytest.raises(ValidationError):
        Report.model_validate({**report.model_dump(), "narrative": {"fee_amount": {"status": "guessed"}}})
    with pytest.raises(ValidationError):  # a span without its offsets is no evidence
        Report.model_validate({**report.model_dump(), "narrative": {"fee_amount": {"evidence": [{"quote": "3"}]}}})
