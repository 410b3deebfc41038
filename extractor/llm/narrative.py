"""The model stage: an instructor-typed call reads what the rules cannot, and nothing it says is
trusted until the text bears it out.

- The model is asked only for what the rules left open (`unsettled`): the narrative facts the rules
  found no value for, or found rival values for, or hold in doubt — in every format. A report whose
  rules settle everything costs no call at all.
- The passage sent is the report's own prose around the words those facts need (申请, 复议, 诉讼,
  费 …), outside the tables: the model reads far less than the whole report.
- Every number comes with a verbatim quote. The validators below check, for each answer, that the
  quote is in the passage and that the number is in the quote; a failure is re-asked with the
  errors (instructor), and what is still ungrounded after that is dropped, never kept.
- Merging with the rules: agreement raises confidence; disagreement keeps the rules' value and sends
  the field to review with both readings; a value only the model found is kept, in review.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationInfo, create_model, model_validator

from extractor.core import confidence as tier
from extractor.core.normalize import NormalText
from extractor.core.reading import Reading, span
from extractor.core.schema import Narrative, Span, Usage, Value
from extractor.llm.client import Answer, Failure, ModelClient
from extractor.llm.grounding import find_quote, number_in_quote
from extractor.llm.prompting import example_json, lean_schema, load_prompt, schema_hash
from extractor.rules.narrative import ANCHORS, addresses_a_model

MAX_PASSAGE = 3000  # characters; the local model's context is 4096 tokens, prompt included


def blank_as_none(x: object) -> object:
    """A model writing JSON by hand says "no value" in words ("null", "无", "-"): that is None."""
    if isinstance(x, str) and x.strip().lower() in ("", "null", "none", "无", "-", "—", "/"):
        return None
    return x


class Fact(BaseModel):
    """One number the report states, with the sentence it comes from."""

    value: Annotated[float | None, BeforeValidator(blank_as_none)] = None
    quote: str | None = None

    @model_validator(mode="after")
    def grounded(self, info: ValidationInfo) -> Fact:
        context = info.context or {}
        problem = _ungrounded(self, context.get("passage"))
        if problem is None:
            return self
        if context.get("lenient"):  # salvage mode: drop the ungrounded value, keep the reason
            context.setdefault("rejected", []).append(problem)
            return Fact()
        raise ValueError(problem)


def _ungrounded(fact: Fact, passage: str | None) -> str | None:
    if fact.value is None:
        return None
    if fact.value < 0:
        return f"{fact.value} is negative; these are counts and amounts"
    if not fact.quote:
        return f"{fact.value} was given without a quote; copy the sentence it comes from"
    at = find_quote(fact.quote, passage) if passage is not None else None
    if passage is not None and at is None:
        return f"the quote {fact.quote!r} is not in the report text; copy it exactly"
    if not number_in_quote(fact.value, fact.quote):
        return f"the number {fact.value:g} does not appear in its quote {fact.quote!r}"
    # The whole line the quote stands in: an injected instruction's figure is quoted without its words.
    if addresses_a_model(fact.quote) or (at is not None and addresses_a_model(_line_around(passage or "", at))):
        return f"the quote {fact.quote!r} is an instruction inside the report, not a statement of fact"
    return None


def _line_around(text: str, at: tuple[int, int]) -> str:
    start = text.rfind("\n", 0, at[0]) + 1
    end = text.find("\n", at[1])
    return text[start : len(text) if end < 0 else end]


class _Facts(BaseModel):
    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # Instructor pastes this schema into every request: keep it to what the model needs.
        return lean_schema(super().model_json_schema(*args, **kwargs))


# The facts the model may be asked for are the record's narrative fields, declared once (schema.Narrative).
FACTS = tuple(Narrative.model_fields)


@cache
def facts_model(names: tuple[str, ...]) -> type[_Facts]:
    """The response type asking for `names` only: one grounded Fact per narrative field asked."""
    fields: dict[str, Any] = {name: (Fact, Fact()) for name in names}
    return create_model("NarrativeFacts", __base__=_Facts, **fields)


NarrativeFacts = facts_model(FACTS)  # every fact: the widest answer the model may give


def unsettled(values: dict[str, Value]) -> tuple[str, ...]:
    """The narrative facts the rules did not settle, which the model is asked for.

    Settled: one value, no rival, nothing in doubt. Legacy reports too: asking the local model for a
    second reading of facts the rules read cost a call of about 30 s per report on two cores and
    changed no value on the legacy sentence set (benchmarks/model_legacy.py), while 16 of its 36
    answers failed grounding; what the rules leave open is where it helps.
    """
    return tuple(
        name for name in FACTS if (v := values.get(f"narrative.{name}")) is None or v.value is None or v.review
    )


@dataclass
class Passage:
    """Lines of the normalised text sent to the model, and where each line starts in that text."""

    text: str
    pieces: list[tuple[int, int]]  # (offset in passage, offset in the normalised text)

    def to_doc(self, pos: int) -> int:
        at = 0
        for i, (p, _) in enumerate(self.pieces):
            if p > pos:
                break
            at = i
        p, d = self.pieces[at]
        return d + pos - p


_SENTENCE = re.compile(r"[^\n。；;！？]+[。；;！？]?")
# A sentence can state a figure only with a number in it, or by saying there was none.
_STATES = re.compile(r"\d|[一二三四五六七八九十百千两]+件|没有|未|无")


def narrative_passage(doc: NormalText, skip: list[tuple[int, int]], names: tuple[str, ...] = FACTS) -> Passage:
    """The prose sentences that can state one of the facts `names`: an anchor word of one of them
    (申请, 复议, 诉讼, 费 …) and a number or a negation, outside the tables, in reading order. The
    model reads these, not the report."""
    words = tuple({w for name in names for w in ANCHORS[name]})
    parts: list[str] = []
    pieces: list[tuple[int, int]] = []
    size = 0
    for m in _SENTENCE.finditer(doc.text):
        sentence = m.group(0).strip()
        if len(sentence) < 6 or "|" in sentence or any(a <= m.start() < b for a, b in skip):
            continue
        if not any(w in sentence for w in words) or not _STATES.search(sentence):
            continue
        if addresses_a_model(sentence):  # never sent: the model does not read instructions in a report
            continue
        if size + len(sentence) + 1 > MAX_PASSAGE:
            break
        pieces.append((size, m.start() + m.group(0).index(sentence)))
        parts.append(sentence)
        size += len(sentence) + 1
    return Passage("\n".join(parts), pieces)


def read_narrative(
    client: ModelClient,
    doc: NormalText,
    skip: list[tuple[int, int]],
    usage: Usage,
    deadline: float,
    names: tuple[str, ...] = FACTS,
) -> Reading:
    """Ask the model for the facts `names` (see `unsettled`), from the prose that can state them."""
    if not names:
        return Reading({}, [])  # the rules settled every fact: no call
    passage = narrative_passage(doc, skip, names)
    if not passage.text:
        return Reading({}, [f"no prose that could state {', '.join(names)} to send to the model"])
    usage.asked = list(names)
    prompt = load_prompt("narrative")
    model = facts_model(names)
    messages = prompt.messages(passage=passage.text, items=prompt.items_for(names), schema=example_json(model))
    context: dict[str, Any] = {"passage": passage.text}
    answer = client.ask(
        model,
        messages,
        prompt_hash=prompt.hash,
        schema_hash=schema_hash(model),
        context=context,
        usage=usage,
        deadline=deadline,
    )
    problems: list[str] = []
    if isinstance(answer, Failure):
        problems.append(f"model: {answer.reason}")
        facts = _salvage(answer.raw, passage.text, problems, model)
        if facts is None:
            return Reading({}, problems)
        answer = Answer(
            facts,
            {**client.config.params(), "prompt_hash": prompt.hash, "schema_hash": schema_hash(model), "salvaged": True},
        )
    assert isinstance(answer.value, model)
    values = {}
    for name in names:
        fact: Fact = getattr(answer.value, name)
        if fact.value is not None and fact.quote:
            values[f"narrative.{name}"] = _model_value(doc, passage, fact, answer.params)
    return Reading(values, problems)


def _salvage(raw: str | None, passage: str, problems: list[str], model: type[_Facts] = NarrativeFacts) -> _Facts | None:
    """Keep the grounded facts of a last answer that failed validation; drop the rest."""
    if not raw:
        return None
    match = re.search(r"\{.*\}", raw, re.DOTALL)
    if not match:
        return None
    context: dict[str, Any] = {"passage": passage, "lenient": True}
    try:
        facts = model.model_validate(json.loads(match.group(0)), context=context)
    except ValueError:
        return None
    problems += [f"model answer dropped: {r}" for r in context.get("rejected", [])]
    return facts


def _model_value(doc: NormalText, passage: Passage, fact: Fact, params: dict[str, Any]) -> Value:
    found = find_quote(fact.quote or "", passage.text)
    assert found is not None  # the validator has checked it
    start, end = passage.to_doc(found[0]), passage.to_doc(found[1] - 1) + 1
    value: int | float = int(fact.value) if fact.value is not None and fact.value.is_integer() else fact.value  # type: ignore[assignment]
    return Value(
        value=value,
        status="parsed",
        source="model",
        evidence=[span(doc, start, end)],
        raw=fact.quote,
        confidence=tier.MODEL_ONLY,
        provenance=dict(params),
    )


def merge(values: dict[str, Value], reading: Reading) -> Reading:
    """The model's readings set beside the rules' `values` (see the module docstring for who wins):
    a new Value for every fact the model read; the rules' Values are left as they are."""
    merged = Reading(problems=list(reading.problems))
    for fid, model_value in reading.values.items():
        rule = values.get(fid)
        if rule is None or rule.value is None:
            merged.values[fid] = model_value  # reconcile sends it to review unless a table confirms it (R7)
        elif _same(rule.value, model_value.value):
            merged.values[fid] = replace(
                rule,
                confidence=max(rule.confidence, tier.MODEL_AGREED),
                note="; ".join(filter(None, [rule.note, "the model read the same value"])),
                provenance=model_value.provenance,
                evidence=_with_evidence(rule, model_value.evidence),
                review=list(rule.review),
            )
        else:
            disagree = f"rules read {rule.value}, the model read {model_value.value} (quote: {model_value.raw})"
            merged.values[fid] = replace(
                rule,
                confidence=min(rule.confidence, tier.BROKEN),
                evidence=_with_evidence(rule, model_value.evidence),
                review=[*rule.review, disagree],
            )
    return merged


def _same(a: object, b: object) -> bool:
    return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) < 1e-9


def _with_evidence(v: Value, spans: list[Span]) -> list[Span]:
    have = {(s.start, s.end) for s in v.evidence}
    return [*v.evidence, *(s for s in spans if (s.start, s.end) not in have)]


def deadline_from(seconds: float) -> float:
    return time.monotonic() + seconds
