"""What every stage returns: a Reading. The pipeline adds the stages' readings to one draft, in order.

A stage reads the report and says what it found: a Value per field id (with its evidence), whether the
parse behind each value is sure, what it could not do, and where the tables it read stand. A stage that
revises what an earlier one read (the model's second reading) returns new Values for those fields; it
never changes the Values another stage made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.core.normalize import NormalText
from extractor.core.schema import Span, Value


@dataclass
class Reading:
    values: dict[str, Value] = field(default_factory=dict)  # field id -> what was read
    problems: list[str] = field(default_factory=list)  # what the stage could not do, in one sentence each
    sound: dict[str, bool] = field(default_factory=dict)  # field id -> the parse behind it is sure
    regions: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> where it is printed
    # field ids read from a `|` row that holds their row label too: where a page lost its line breaks,
    # the pipes, not the restored breaks, say which row these cells are in
    in_row: set[str] = field(default_factory=set)

    def add(self, other: Reading) -> None:
        """Take `other`'s values over this reading's (a later stage's word on a field wins)."""
        self.values.update(other.values)
        self.sound.update(other.sound)
        self.problems += other.problems
        self.regions.update(other.regions)
        self.in_row |= other.in_row


def span(doc: NormalText, start: int, end: int) -> Span:
    """The evidence of doc.text[start:end]: offsets in the normalised text and in the original."""
    s, e = doc.source_span(start, end)
    return Span(start=start, end=end, source_start=s, source_end=e, quote=doc.text[start:end])
