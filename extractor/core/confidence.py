"""The confidence tiers, named once. A value's confidence says how often a value like it is right.

The flat record promises calibration ("among fields given 0.99, about 99 in 100 should be right"), so
each tier is a class of evidence, not a mood: the reconciler and the readers pick a tier by what stands
behind a value, and anything in review is capped below every tier a person would trust unread.
"""

from __future__ import annotations

from typing import Final

# Table cells: (a rule involving the cell holds, its row label was matched soundly).
CELL_CONFIRMED: Final = 0.995  # printed under a sure label, and an identity with it holds
CELL_UNCHECKED: Final = 0.97  # printed under a sure label, no identity can check it
CELL_UNSURE_LABEL: Final = 0.8  # placed by order or a loose label (or by the model alone)

FORCED: Final = 0.98  # the identities force it (derived), or the format the tables show
PROSE_CONFIRMED: Final = 0.99  # a prose figure an identity (R7) confirms; a year from the title
MODEL_AGREED: Final = 0.97  # the rules and the model read the same number from the text
TITLE_NAME: Final = 0.97  # the agency named in the title
PROSE: Final = 0.9  # read from a sentence by a rule, nothing confirms it
PROSE_ZERO: Final = 0.85  # a zero read from a negation ("未发生…"), nothing confirms it
SENTENCE_NAME: Final = 0.8  # the agency named in an opening sentence only
OCR_UNCHECKED: Final = 0.9  # recognised from an image with confidence, no identity checks it
MODEL_ONLY: Final = 0.7  # grounded in its quote, but one reading only

REVIEW_CAP: Final = 0.6  # the most a value in review may claim
BROKEN: Final = 0.5  # breaks an identity, or two readings disagree; also a blank left open
DEFACED: Final = 0.2  # text where a name should be that looks like spam
NONE: Final = 0.0  # nothing was read
