"""The leaves of the record: a Value, and the Span of text it was read from.

Apart from the models in core.schema because every stage makes and reads hundreds of them per report:
compiled with the core (extractor.compiled), they are native classes, whose construction and attribute
access cost a fraction of a Python object's. Pydantic validates and serialises them as part of Report
all the same (schema.py gives it their declared types back: compiling erases them).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

Status = Literal["parsed", "derived", "blank", "missing", "source_inconsistent", "review"]
# "ocr": a table cell or sentence recognised from an image (a scanned page, a table pasted as a picture).
Source = Literal["table_cell", "sentence", "ocr", "model", "rule", "reviewer", "metadata", "none"]
Scalar = int | float | str | None


@dataclass(slots=True, init=False)
class Span:
    """Where a value was read: offsets into the normalised text and into the text as the user has it."""

    start: int
    end: int
    source_start: int
    source_end: int
    quote: str
    path: str | None = None  # HTML, Word, PDF input: the path of the table cell the value was read from
    page: int | None = None  # PDF input: the page (1-based) the value is printed on

    # Written out, not generated (init=False): a generated __init__ stays interpreted Python even in a
    # compiled class, and costs ten times a compiled one. The same fields and defaults as declared above
    # (tests/test_values.py holds them together). The required fields get placeholders here only because
    # a compiled class's __new__ calls __init__ with no arguments, as pydantic does before it sets each
    # field; to pydantic they stay required.
    def __init__(
        self, start: int = 0, end: int = 0, source_start: int = 0, source_end: int = 0, quote: str = "",
        path: str | None = None, page: int | None = None,
    ) -> None:  # fmt: skip
        self.start = start
        self.end = end
        self.source_start = source_start
        self.source_end = source_end
        self.quote = quote
        self.path = path
        self.page = page


@dataclass(slots=True, init=False)
class Value:
    """One field of a report: the value and everything a person needs to trust it or not.

    A dataclass rather than a BaseModel: a report holds hundreds of them and building them was most of
    the extraction time. Pydantic validates and serialises it as part of Report all the same.
    - raw: the text as printed, before unit conversion;
    - rules: the checks that involve this field, as "RULE:OUTCOME";
    - review: why a person should look at it (empty when nothing needs a look).
    """

    value: Scalar = None
    status: Status = "missing"
    source: Source = "none"
    evidence: list[Span] = dc_field(default_factory=list)
    confidence: float = 0.0
    raw: str | None = None
    rules: tuple[str, ...] = ()  # set whole by the reconciler: a tuple shared by every value with the same rules
    review: list[str] = dc_field(default_factory=list)
    note: str | None = None
    # For values the model filled: model, mode, temperature, seed, max_tokens, prompt and schema hashes.
    provenance: dict[str, str | bool | int | float | None] | None = None

    def __init__(
        self,
        value: Scalar = None,
        status: Status = "missing",
        source: Source = "none",
        evidence: list[Span] | None = None,
        confidence: float = 0.0,
        raw: str | None = None,
        rules: tuple[str, ...] = (),
        review: list[str] | None = None,
        note: str | None = None,
        provenance: dict[str, str | bool | int | float | None] | None = None,
    ) -> None:
        self.value = value
        self.status = status
        self.source = source
        self.evidence = [] if evidence is None else evidence
        self.confidence = confidence
        self.raw = raw
        self.rules = rules
        self.review = [] if review is None else review
        self.note = note
        self.provenance = provenance
