"""Read a page image (a scanned PDF page, an image file, a table pasted as a picture) as report text.

The page becomes the same lines and `| a | b |` rows the other readers write, so one table reader and
one reconciler do the rest. The steps, each a small function below:
1. deskew: a scan is rarely straight; the ruling lines (or, without them, the text lines) say by how much;
2. tables from their ruling lines: the lines' mask cut the table into cells (merged cells included);
   each cell's ink is split into its text lines and each line recognised on its own. Recognising per
   cell matters: the text detector misses a lone digit in a wide cell, and a missed "3" is a wrong 0;
3. the rest of the page (tables blanked out) through RapidOCR's detector and recogniser, boxes grouped
   into lines by vertical overlap; a line of several far-apart boxes holding numbers is a table row
   printed without rules;
4. every cell and every recognised box keeps its page, its box (in the page's own units: PDF points,
   or pixels for an image file) and the recogniser's confidence, as an Anchor of the rendered text.

RapidOCR (PP-OCRv4 models shipped inside its wheel: nothing is fetched at run time) is an optional
extra: `pip install 'xxgk-extractor[ocr]'`. Without it, a page that needs OCR is one clear error.
"""

from __future__ import annotations

import bisect
import contextlib
import importlib.util
import io
import os
import re
import sys
import threading
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from statistics import median
from typing import TYPE_CHECKING, Any

from extractor.core.errors import InputError
from extractor.read.render import Rendered, TextWriter, page_number, starts_paragraph

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

NEEDS_EXTRA = "it needs OCR: pip install 'xxgk-extractor[ocr]'"
DPI = 200  # pages are rendered at this resolution: digits ~16 px high, which the recogniser reads well
MAX_PIXELS = 40_000_000  # a page image larger than this is not a report page (decompression bombs)
MAX_FRAMES = 300  # pages of a multi-page TIFF, as pdf.MAX_PAGES
MIN_PICTURE = 200 * 100  # px: a smaller picture is an icon, a seal or a bullet, not a table
_INK = 128  # grey level below which a pixel is ink
_MIN_CELL = 12  # px: a region between ruling lines smaller than this is a gap in a line, not a cell
_PAD = 6  # px of white added around a crop: the recogniser reads a glyph touching the edge badly
_INSET = 4  # px cut from a cell's inside edge: the ruling line's blur and the scan's noise stand there
# A blurred scan prints small digits in grey: a cell's text is cut out down to its faintest stroke, or
# the recogniser sees a 0 without its edges and reads D.
_FAINT = 200
_DIGIT_PITCH = 0.55  # a printed digit's advance, in units of its height (measured on the corpus's scans)
_CONFUSED = 0.6  # confidence of a number that does not fit its ink: below OCR_SURE, so it needs an identity
_NUMBER = re.compile(r"[0-9][0-9,.]*")
# What digits come out as when they stand alone in a cell, and the digit each stands for. A cell of
# these, with at least one digit or a lone glyph, is read as those digits, in doubt.
_DIGIT_OF = str.maketrans({"D": "0", "O": "0", "o": "0", "Q": "0", "。": "0", "口": "0", "□": "0", "U": "0",
                           "l": "1", "I": "1", "|": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2"})  # fmt: skip
_LOOK_ALIKE = re.compile(r"[0-9DOoQ。口□UlI|SsBZz]{1,12}")


@dataclass(frozen=True)
class Box:
    """A piece of recognised text and where it stands on the page image (pixels)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class Cell:
    x0: int
    y0: int
    x1: int
    y1: int


@dataclass
class Table:
    x0: int
    y0: int
    x1: int
    y1: int
    cells: list[Cell]


# ---------------------------------------------------------------- the engine
_lock = threading.Lock()


@cache
def engine() -> Any:
    """One RapidOCR per process (loading its models takes a second). The direction classifier is off:
    report pages are upright, and it turns some straight lines upside down, which then read as nothing."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:
        raise InputError(_missing(e)) from None
    return RapidOCR(use_cls=False, det_limit_type="max", det_limit_side_len=2400, intra_op_num_threads=threads())


THREADS_ENV = "XXGK_OCR_THREADS"  # set by the batch in each worker (results.batch): its share of the cores
MAX_THREADS = 4  # past this onnxruntime's threads gain little on one page


def threads() -> int:
    """onnxruntime threads for this process: its share of the cores, so that `-j N` workers do not
    run N times as many threads as there are cores."""
    with contextlib.suppress(ValueError):
        return max(1, int(os.environ.get(THREADS_ENV, "")))
    return max(
        1, min(MAX_THREADS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )


@cache
def available() -> bool:
    """Is the OCR extra installed? Found without importing it: onnxruntime and OpenCV take a second
    and a hundred MB to load, which a batch of text reports must not pay."""
    if "rapidocr_onnxruntime" in sys.modules:
        return sys.modules["rapidocr_onnxruntime"] is not None
    try:
        return importlib.util.find_spec("rapidocr_onnxruntime") is not None
    except (ImportError, ValueError):
        return False


def _missing(e: ImportError) -> str:
    """What to install: the extra, or (when it is installed) the system library OpenCV loads."""
    if "lib" in str(e) and ".so" in str(e):  # libGL.so.1: cannot open shared object file
        return f"it needs OCR, whose OpenCV cannot load a system library ({e}): apt-get install libgl1 libglib2.0-0"
    return NEEDS_EXTRA


def _recognise_lines(images: list[np.ndarray]) -> list[tuple[str, float]]:
    """Text and confidence of each single-line crop (no detection: the crop is the line)."""
    if not images:
        return []
    with _lock:  # onnxruntime sessions are shared; one page at a time per process
        result, _ = engine().text_rec(images)
    return [(str(text), float(score)) for text, score in result]


def _detect_and_recognise(gray: np.ndarray) -> list[Box]:
    import numpy as np

    with _lock:  # word boxes: where each character stands, to find where a row label's box turns into cells
        result, _ = engine()(np.ascontiguousarray(gray), use_cls=False, return_word_box=True)
    boxes, label_ends = [], {}
    for quad, text, score, *words in result or []:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        if str(text).strip():
            box = Box(min(xs), min(ys), max(xs), max(ys), str(text).strip(), float(score))
            boxes.append(box)
            label_ends[box] = _label_end(*words[:2]) if len(words) >= 2 else None
    return _hairlines_apart(gray, boxes + _missed_ink(gray, boxes), label_ends)


def _ideograph(ch: str) -> bool:
    """A Chinese character of a label; 川 is how the recogniser reads three hairlines side by side."""
    return "\u4e00" <= ch <= "\u9fff" and ch != "川"


def _label_end(places: list[Any], pieces: list[str]) -> float | None:
    """The right edge (page pixels) of a box's last Chinese character, by the recogniser's own
    reckoning of where each character stands; None when it has none."""
    last = [k for k, piece in enumerate(pieces) if any(_ideograph(ch) for ch in piece)]
    if not last or last[-1] >= len(places) or not places[last[-1]]:
        return None
    return float(max(p[0] for p in places[last[-1]]))


def _missed_ink(gray: np.ndarray, boxes: list[Box]) -> list[Box]:
    """Text the detector passed over: a lone stroke or a lone digit standing apart on its line (a `|`
    printed for an empty cell, a 0 in a wide row) is too small for it to find. Ink of a line's height
    that no box covers is read here, a word at a time; a lone stroke far thinner than a digit is a `|`.
    Without this a row loses its empty cells, and every cell after them stands in the wrong column."""
    import cv2
    import numpy as np

    if not boxes:
        return []
    ink = (gray < _FAINT).astype(np.uint8)  # down to the faintest stroke: a hairline blurs to grey
    for b in boxes:
        ink[max(int(b.y0) - 2, 0) : int(b.y1) + 3, max(int(b.x0) - 2, 0) : int(b.x1) + 3] = 0
    height = median(b.y1 - b.y0 for b in boxes)  # a line of text, as the detector draws it
    words = cv2.dilate(ink, np.ones((1, max(int(height / 2), 1)), np.uint8))  # a word's glyphs as one blob
    count, _, stats, _ = cv2.connectedComponentsWithStats(words, connectivity=8)
    found: list[tuple[int, int, int, int]] = []
    for x, y, w, h, _area in stats[1:count]:
        cols = np.flatnonzero(ink[y : y + h, x : x + w].any(axis=0))  # the ink itself, not its dilation
        if _MISSED_LOW * height <= h <= height and len(cols):
            found.append((int(x + cols[0]), int(y), int(x + cols[-1]), int(y + h - 1)))
    strokes = [(x0, y0, x1, y1) for x0, y0, x1, y1 in found if _thin(x1 - x0 + 1, y1 - y0 + 1)]
    # Text prints dark somewhere; grey alone, wider than a hairline, is a smudge or a shadow.
    words_found = [(x0, y0, x1, y1) for x0, y0, x1, y1 in found if (x0, y0, x1, y1) not in strokes
                   and gray[y0 : y1 + 1, x0 : x1 + 1].min() < _INK]  # fmt: skip
    crops = [np.pad(gray[y0 : y1 + 1, x0 : x1 + 1], _PAD, constant_values=255) for x0, y0, x1, y1 in words_found]
    read = _recognise_lines([np.ascontiguousarray(np.stack([c] * 3, axis=-1)) for c in crops])
    out = [Box(x0, y0, x1, y1, "|", 1.0) for x0, y0, x1, y1 in strokes]
    out += [Box(*f, text.strip(), score) for f, (text, score) in zip(words_found, read, strict=True) if text.strip()]
    return out


def _thin(width: int, height: int) -> bool:
    """Too thin for a digit, in a line of this height: a hairline (a 1 has its flag and its foot)."""
    return width <= max(3, 0.12 * height)


def _column_runs(crop: np.ndarray) -> list[tuple[int, int]]:
    """The first and last column of each stretch of columns holding ink, apart by white."""
    import numpy as np

    inked = np.flatnonzero(crop.min(axis=0) < _FAINT)
    if len(inked) == 0:
        return []
    cuts = np.flatnonzero(np.diff(inked) > 1)
    return [(int(inked[s]), int(inked[e])) for s, e in zip([0, *(cuts + 1)], [*cuts, len(inked) - 1], strict=True)]


# Text that may hold hairlines read as characters: digits and the strokes a recogniser makes of a ruling
# line or a typed `|` beside them ("0 |" read as 01, "| 9 | ||" as 1911, "|||" as 川, "| 0 |" as [0]).
_STROKE_LIKE = r"1lI|川\[\]()"
_DIGITS_AND_STROKES = rf"[0-9,. {_STROKE_LIKE}]*[{_STROKE_LIKE}][0-9,. {_STROKE_LIKE}]*"
_MAY_HOLD_HAIRLINES = re.compile(_DIGITS_AND_STROKES)
# A row label the detector joined with the cells after it: the recogniser reads their `|`s as 1 or drops them.
_LABEL_THEN_STROKES = re.compile(rf"(.*[^0-9,. {_STROKE_LIKE}])({_DIGITS_AND_STROKES})?")
# How much paler than the text's ink a stroke must be to be a hairline: a share of the way to white.
# A printed 1 is as dark as the digits beside it; a hairline blurs to grey (measured on the corpus's
# scans: digits 30-110, a typed | 165-200).
_PALER = 0.4
# How far (a share of the digits' height) a stroke must reach past the digits' top or baseline to be a
# hairline whatever its shade: a typed | descends about a third of it (measured on the corpus's scans).
_REACH = 0.15
# Ink a detector missed is read when it is at least this share of a detected line's height (lower is a
# speck, a dot or a dash) and no taller than the line.
_MISSED_LOW = 0.4


def _hairlines_apart(gray: np.ndarray, boxes: list[Box], label_ends: dict[Box, float | None]) -> list[Box]:
    """Thin strokes much paler than the page's text or reaching past the digits beside them, in a box
    read as digits and strokes (or in the digits a label's box ends with), are ruling lines or typed
    `|`s, not 1s: each becomes a `|` box of its own, and the ink between them is read again on its
    own. A number keeps the box's confidence at most (a misread is still possible, so only an identity
    makes it certain)."""
    import numpy as np

    if not boxes:
        return boxes
    ink = median(float(_crop_of(gray, b).min()) for b in boxes)  # the page's text, as dark as it prints
    plans: list[tuple[Box, str, int, list[tuple[int, int, bool]]] | Box] = []
    pieces: list[np.ndarray] = []
    for b in boxes:
        crop = _crop_of(gray, b)
        end = label_ends.get(b)
        plan = _hairline_plan(b.text, crop, ink, None if end is None else end - max(int(b.x0), 0))
        if plan is None:
            plans.append(b)
            continue
        head, start, runs = plan
        plans.append((b, head, start, runs))
        tail = crop[:, start:]
        pieces += [np.pad(tail[:, lo : hi + 1], _PAD, constant_values=255) for lo, hi, hair in runs if not hair]
    read = iter(_recognise_lines([np.ascontiguousarray(np.stack([c] * 3, axis=-1)) for c in pieces]))
    out: list[Box] = []
    for plan in plans:
        if isinstance(plan, Box):
            out.append(plan)
            continue
        b, head, start, runs = plan
        if head:
            out.append(Box(b.x0, b.y0, b.x0 + start - 1, b.y1, head, b.confidence))
        for lo, hi, hair in runs:
            text, score = ("|", b.confidence) if hair else next(read)
            if text.strip():
                out.append(
                    Box(b.x0 + start + lo, b.y0, b.x0 + start + hi, b.y1, text.strip(), min(score, b.confidence))
                )
    return out


def _hairline_plan(
    text: str, crop: np.ndarray, ink: float, label_end: float | None
) -> tuple[str, int, list[tuple[int, int, bool]]] | None:
    """Where a box holds hairlines: the text before them (a row label the detector joined to its
    cells, as read), the column the strokes begin at, and the strokes; None when it holds none."""
    if _MAY_HOLD_HAIRLINES.fullmatch(text):
        runs = _stroke_runs(crop, ink)
        return None if runs is None else ("", 0, runs)
    m = _LABEL_THEN_STROKES.fullmatch(text)
    if m is None or label_end is None or not (m.group(2) or _ideograph(text[-1])):
        return None  # no label, or one ending in a colon, a bracket, a full stop: narrow, and read already
    start = _first_stroke_after(crop, label_end)
    runs = None if start is None else _stroke_runs(crop[:, start:], ink)
    return None if start is None or runs is None else (m.group(1).rstrip(), start, runs)


def _first_stroke_after(crop: np.ndarray, label_end: float) -> int | None:
    """The first column of ink after the label: the first stroke that begins past where the recogniser
    puts the label's last character's edge, less a quarter of the line's height (its reckoning is by
    the recogniser's columns, a few pixels either way; a character's own parts begin further back)."""
    after = [lo for lo, _ in _column_runs(crop) if lo >= label_end - 0.25 * crop.shape[0]]
    return after[0] if after else None


def _crop_of(gray: np.ndarray, b: Box) -> np.ndarray:
    y0, x0 = max(int(b.y0), 0), max(int(b.x0), 0)
    return gray[y0 : int(b.y1) + 1, x0 : int(b.x1) + 1]


def _stroke_runs(crop: np.ndarray, ink: float) -> list[tuple[int, int, bool]] | None:
    """The crop cut at its hairlines: (first, last column, is a hairline) for each hairline and each
    stretch of ink between them; None when it has none. A hairline is one to three pixels wide, set
    apart by white, and paler than the page's text or reaching past the digits' top or baseline."""
    if crop.size == 0:
        return None
    cols = crop.min(axis=0)
    strokes = _column_runs(crop)
    thin = [_thin(hi - lo + 1, crop.shape[0]) for lo, hi in strokes]
    if not any(thin):
        return None
    pale = [float(cols[lo : hi + 1].min()) - ink >= _PALER * (255 - ink) for lo, hi in strokes]
    spans = [_ink_rows(crop[:, lo : hi + 1]) for lo, hi in strokes]
    digits = [span for span, t in zip(spans, thin, strict=True) if not t]
    # Strokes alone, every one too thin for a digit (a 1 has its flag and foot): a row of `|`s.
    hair = [t and (p or not digits or _beyond(span, digits)) for t, p, span in zip(thin, pale, spans, strict=True)]
    if not any(hair):
        return None
    runs: list[tuple[int, int, bool]] = []
    for (lo, hi), h in zip(strokes, hair, strict=True):
        if not h and runs and not runs[-1][2]:
            runs[-1] = (runs[-1][0], hi, False)  # digits of one number, apart by the gaps between them
        else:
            runs.append((lo, hi, h))
    return runs


def _ink_rows(strip: np.ndarray) -> tuple[int, int]:
    """The first and last row of a strip of columns that hold ink."""
    import numpy as np

    rows = np.flatnonzero(strip.min(axis=1) < _FAINT)
    return int(rows[0]), int(rows[-1])


def _beyond(span: tuple[int, int], digits: list[tuple[int, int]]) -> bool:
    """Does a stroke reach above or below the digits beside it? Digits stand on one baseline at one
    height, a 1 among them too; a typed | descends below the baseline and a ruling line crosses the
    whole line. Found this way where the scan is sharp, and a hairline prints as dark as the text."""
    top, bottom = median(t for t, _ in digits), median(b for _, b in digits)
    slack = max(2.0, _REACH * (bottom - top + 1))
    return span[0] < top - slack or span[1] > bottom + slack


# ---------------------------------------------------------------- a page
@dataclass(frozen=True)
class Place:
    """Where the image stands: the path of its page or element (`/page[2]`, an <img>'s XPath), page
    units per pixel (72/dpi for a PDF page, 1 for an image file) and its top-left corner in page
    units (a picture inside a page)."""

    prefix: str
    unit: float = 1.0
    x: float = 0.0
    y: float = 0.0

    def path(self, x0: float, y0: float, x1: float, y1: float) -> str:
        box = (x0 * self.unit + self.x, y0 * self.unit + self.y, x1 * self.unit + self.x, y1 * self.unit + self.y)
        return f"{self.prefix}/ocr/box[{','.join(f'{v:.0f}' for v in box)}]"


def read_page(image: Image.Image, place: Place, writer: TextWriter, tables_only: bool = False) -> bool:
    """Write an image's text into `writer`, as lines and `|` rows. With `tables_only` (a picture in a
    web page: a photo or a banner is not the report's text) only an image holding a ruled table is
    read. Says whether anything was read."""
    import numpy as np

    if image.width * image.height > MAX_PIXELS:
        raise InputError(f"image of {image.width}×{image.height} pixels, too large for a report page")
    gray = _deskew(np.asarray(image.convert("L")))
    tables = find_tables(gray)
    if tables_only and not tables:
        return False
    writer.flush()
    rest = gray.copy()
    for t in tables:
        rest[t.y0 : t.y1 + 1, t.x0 : t.x1 + 1] = 255
    boxes = _detect_and_recognise(rest) if (rest < _INK).any() else []
    blocks: list[tuple[float, Table | list[Box]]] = [(t.y0, t) for t in tables]
    height = gray.shape[0]
    blocks += [(line[0].y0, line) for line in _lines(boxes) if not _furniture(line, height)]
    blocks.sort(key=lambda b: b[0])
    right = max((b.x1 for b in boxes), default=gray.shape[1])
    for k, (_, block) in enumerate(blocks):
        if isinstance(block, Table):
            _write_table(gray, block, place, writer)
            continue
        following = blocks[k + 1][1] if k + 1 < len(blocks) else None
        _write_line(block, place, writer, right, following)
    writer.text("\n")
    return True


def render_image(data: bytes) -> Rendered:
    """An image file (PNG, JPEG, a multi-page TIFF) given as the report: every frame a page."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    engine()  # without the extra: the one clear error, before any work
    writer = TextWriter()
    try:
        with Image.open(io.BytesIO(data)) as image:
            for number, frame in enumerate(ImageSequence.Iterator(image), 1):
                if number > MAX_FRAMES:
                    raise InputError(f"image of more than {MAX_FRAMES} pages, more than a report has")
                writer.new_page(number)
                read_page(frame.copy(), Place(f"/page[{number}]"), writer)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as e:
        raise InputError(f"image that cannot be decoded ({type(e).__name__})") from None
    return writer.result()


def read_picture(data: bytes, prefix: str, writer: TextWriter) -> None:
    """A picture inside a document (a web page's <img>, a Word file's image): read when it holds a
    ruled table; anything it cannot decode is skipped (a page has many pictures that are no text)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height < MIN_PICTURE or image.width * image.height > MAX_PIXELS:
                return
            read_page(image.copy(), Place(prefix), writer, tables_only=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        return


# ---------------------------------------------------------------- deskew
def _deskew(gray: np.ndarray) -> np.ndarray:
    """The page turned straight, by the median slope of its long ruling lines or text lines."""
    import cv2

    angle = _skew(gray)
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _skew(gray: np.ndarray) -> float:
    """Degrees to turn the page by (counter-clockwise positive, as OpenCV takes them): the median slope
    of the long thin shapes on the page, ruling lines and text lines smeared sideways into one blob."""
    import cv2
    import numpy as np

    ink = (gray < _FAINT).astype(np.uint8)
    w = gray.shape[1]
    # A turned ruling line survives a short horizontal opening as overlapping pieces, joined diagonally.
    # Rules are straight by construction: where there are any, they alone say the skew (text in a
    # table's cells smears into its neighbours' and slopes every way).
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (60, 1)))
    slopes = _slopes(rules, rules, w)
    if not slopes:
        text = cv2.dilate(ink & (1 - rules), cv2.getStructuringElement(cv2.MORPH_RECT, (25, 1)))
        slopes = _slopes(text, ink, w)
    return float(median(slopes)) if slopes else 0.0


def _slopes(blobs: np.ndarray, ink: np.ndarray, width: int) -> list[float]:
    import cv2
    import numpy as np

    count, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    out = []
    for i in range(1, count):
        x, y, bw, bh, _ = stats[i]
        if bw < width / 5 or bh > bw / 8:
            continue
        ys, xs = np.nonzero(ink[y : y + bh, x : x + bw])
        if len(xs) >= 50:
            out.append(float(np.degrees(np.arctan(np.polyfit(xs.astype(float), ys.astype(float), 1)[0]))))
    return out


# ---------------------------------------------------------------- tables from ruling lines
def find_tables(gray: np.ndarray) -> list[Table]:
    """Tables drawn with ruling lines, each cut into its cells (a merged cell is one cell)."""
    import cv2
    import numpy as np

    h, w = gray.shape
    # A thin rule, blurred and turned back straight, is light grey: the faint threshold keeps it whole.
    ink = ((gray < _FAINT) * 255).astype(np.uint8)
    across, down = (max(20, w // 40), 1), (1, max(20, h // 60))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, across))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, down))
    # Bridge the short breaks a scan leaves in a rule: one break lets two cells run into one.
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 1)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 15)))
    rules = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables = []
    for i in range(1, count):
        x, y, bw, bh, _ = stats[i]
        if bw < w / 5 or bh < 40:
            continue  # a lone rule (an underline, a header bar) is not a table
        cells = _cells(rules[y : y + bh, x : x + bw], x, y)
        if len(cells) >= 4:
            tables.append(Table(int(x), int(y), int(x + bw - 1), int(y + bh - 1), cells))
    return tables


def _cells(rules: np.ndarray, x: int, y: int) -> list[Cell]:
    """The regions the ruling lines enclose. What touches the table's outer edge is outside it."""
    import cv2

    h, w = rules.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(255 - rules, connectivity=4)
    cells = []
    for i in range(1, count):
        cx, cy, cw, ch, _ = stats[i]
        if cw < _MIN_CELL or ch < _MIN_CELL or cx == 0 or cy == 0 or cx + cw >= w or cy + ch >= h:
            continue
        cells.append(Cell(int(x + cx), int(y + cy), int(x + cx + cw - 1), int(y + cy + ch - 1)))
    return cells


def _starts(edges: list[int], tolerance: float) -> list[int]:
    """Edges that are the same ruling line (within `tolerance` pixels) taken as one: the table's row
    (or column) starts, top to bottom."""
    out: list[int] = []
    for e in sorted(edges):
        if not out or e - out[-1] > tolerance:
            out.append(e)
    return out


def _index(starts: list[int], edge: float, tolerance: float) -> int:
    """The row (or column) an edge belongs to: the last start at or before it."""
    return max(bisect.bisect_right(starts, edge + tolerance) - 1, 0)


def _write_table(gray: np.ndarray, table: Table, place: Place, writer: TextWriter) -> None:
    """The table on its grid, as pdf.py writes a ruled table: a cell merged down stands on every row
    it covers (a group label belongs to each of them), a cell merged across stands once."""
    texts = dict(zip(table.cells, _cell_texts(gray, table.cells), strict=True))
    # A third of the common cell: what is left of the skew after deskewing stays well inside it.
    dy = median(c.y1 - c.y0 for c in table.cells) / 3
    dx = min(median(c.x1 - c.x0 for c in table.cells) / 3, dy * 2)
    rows, columns = _starts([c.y0 for c in table.cells], dy), _starts([c.x0 for c in table.cells], dx)
    grid: dict[tuple[int, int], tuple[Cell, bool]] = {}  # (row, column) -> the cell there, and is it its first row
    for cell in table.cells:
        top, left = _index(rows, cell.y0, dy), _index(columns, cell.x0, dx)
        bottom, right = _index(rows, cell.y1 - dy, 0), _index(columns, cell.x1 - dx, 0)
        for i in range(top, max(bottom, top) + 1):
            grid[i, left] = (cell, i == top)
            for j in range(left + 1, max(right, left) + 1):
                grid.setdefault((i, j), (cell, False))
    for i in range(len(rows)):
        cells: list[tuple[str, str | None]] = []
        confidences: list[float | None] = []
        seen: list[str | None] = []
        for j in range(len(columns)):
            if (i, j) not in grid or (j and grid.get((i, j - 1), (None,))[0] is grid[i, j][0]):
                continue  # no cell, or one merged across from the left: written once, there
            cell = grid[i, j][0]
            text, score, raw = texts[cell]
            cells.append((text, place.path(cell.x0, cell.y0, cell.x1, cell.y1)))
            confidences.append(score if text else None)
            seen.append(raw)
        if any(text for text, _ in cells):
            writer.row(cells, confidences, seen)


def _cell_texts(gray: np.ndarray, cells: list[Cell]) -> list[tuple[str, float, str | None]]:
    """Each cell's text: its ink cut into lines, every line recognised on its own, in one batch.

    A number whose digits do not fit the width of its ink, or that was read as look-alike letters
    (0 as D or 。, 1 as l), keeps a confidence below OCR_SURE, so that only an identity that holds can
    make it certain; the letters read are kept beside it (`seen`) for the reviewer.
    """
    lines = [_ink_lines(gray[c.y0 + _INSET : c.y1 - _INSET + 1, c.x0 + _INSET : c.x1 - _INSET + 1]) for c in cells]
    out: list[tuple[str, float, str | None]] = []
    for k, (text, score) in enumerate(_read_cells(lines)):
        seen = None
        if _LOOK_ALIKE.fullmatch(text) and not _NUMBER.fullmatch(text):
            # D, 。 or 口 alone in a number's cell: the look-alike digits, never certain on their own.
            seen, text, score = text, text.translate(_DIGIT_OF), min(score, _CONFUSED)
        if _NUMBER.fullmatch(text) and not all(_fits(text, crop) for crop in lines[k][:1]):
            score = min(score, _CONFUSED)
        out.append((text, score, seen))
    return out


def _read_cells(lines: list[list[np.ndarray]]) -> list[tuple[str, float]]:
    crops = [crop for cell in lines for crop in cell]
    read = iter(_recognise_lines(crops))
    return [_joined([(text.strip(), score) for text, score in (next(read) for _ in cell)]) for cell in lines]


def _fits(digits: str, crop: np.ndarray) -> bool:
    """Does the number of digits fit the width of the ink? A recogniser that drops one of two equal
    digits side by side ("44" read as 4, a known weakness of CTC decoding at low resolution) reads
    a number too short for its ink."""
    height, width = crop.shape[0] - 2 * _PAD, crop.shape[1] - 2 * _PAD
    expected = width / (_DIGIT_PITCH * height)
    return abs(len(digits.replace(",", "").replace(".", "")) - expected) <= max(0.5, 0.15 * expected)


def _joined(lines: list[tuple[str, float]]) -> tuple[str, float]:
    texts = [t for t, _ in lines if t]
    if not texts:
        return "", 1.0
    joined = texts[0]
    for text in texts[1:]:  # CJK wraps without a blank; Latin words keep one
        joined += (" " if joined[-1].isascii() and joined[-1].isalpha() and text[0].isascii() else "") + text
    return joined, min(s for t, s in lines if t)


def _ink_lines(inner: np.ndarray) -> list[np.ndarray]:
    """The text lines of a cell's interior, by the rows of pixels that hold ink, each padded in white."""
    import numpy as np

    if inner.size == 0:
        return []
    ink = inner < _FAINT
    rows = np.flatnonzero(ink.sum(axis=1) > 0)
    if len(rows) == 0 or ink.sum() < 6:  # a speck of dust or a stub of a ruling line
        return []
    runs, start = [], rows[0]
    for a, b in pairwise(rows):
        if b - a > 2:
            runs.append((start, a))
            start = b
    runs.append((start, rows[-1]))
    out = []
    for top, bottom in runs:
        if bottom - top < 4:
            continue  # a dot of noise, or what is left of a rule at the cell's edge
        band = inner[top : bottom + 1]
        cols = np.flatnonzero((band < _FAINT).sum(axis=0) > 0)
        crop = band[:, cols[0] : cols[-1] + 1]
        padded = np.pad(crop, _PAD, constant_values=255)
        out.append(np.ascontiguousarray(np.stack([padded] * 3, axis=-1)))
    return out


# ---------------------------------------------------------------- text outside tables
def _lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into lines: a box joins the line whose middle is within a third of a line's
    height of its own (overlap alone joins a tall box, with a | or a descender, to the next line)."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for line in lines:
            ref = line[-1]
            if abs(ref.cy - box.cy) < min(ref.y1 - ref.y0, box.y1 - box.y0) / 3:
                line.append(box)
                break
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _write_line(line: list[Box], place: Place, writer: TextWriter, right: float, following: Any) -> None:
    height = median(b.y1 - b.y0 for b in line)
    far_apart = any(b.x0 - a.x1 > 2 * height for a, b in pairwise(line))
    if len(line) >= 3 and far_apart and any(_numeric(b.text) for b in line):
        # A table printed without rules: one box per cell, as pdf.py reads such a line.
        writer.row([(b.text, place.path(b.x0, b.y0, b.x1, b.y1)) for b in line], [b.confidence for b in line])
        return
    writer.boxed([(b.text, place.path(b.x0, b.y0, b.x1, b.y1), b.confidence) for b in line])
    wrapped = line[-1].x1 >= right - 1.5 * height
    if not (wrapped and isinstance(following, list) and not starts_paragraph(following[0].text)):
        writer.text("\n")


def _furniture(line: list[Box], height: int) -> bool:
    return page_number(" ".join(b.text for b in line), line[0].y0, line[-1].y1, height)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").isdigit()


# ---------------------------------------------------------------- the review's view of a box
_BOX = re.compile(r"^/page\[(\d+)\]/ocr/box\[(-?\d+),(-?\d+),(-?\d+),(-?\d+)\]$")
CROP_DPI = 150
_CONTEXT = (120, 40)  # page units shown around the box, across and down: the row and its neighbours


def crop(data: bytes, path: str) -> bytes | None:
    """A PNG of the page (of a PDF or an image file) around an OCR box, for a reviewer to read the
    original beside the value; None when the path is not a page's box or the file has no such page."""
    m = _BOX.match(path or "")
    if m is None:
        return None
    try:
        return _crop(data, int(m.group(1)), [int(v) for v in m.groups()[1:]])
    except (OSError, ValueError, EOFError, RuntimeError):  # damaged since it was read (PdfiumError: RuntimeError)
        return None


def _crop(data: bytes, page: int, box: list[int]) -> bytes | None:
    from PIL import Image

    dx, dy = _CONTEXT
    if data.lstrip()[:5] == b"%PDF-":
        import pypdfium2

        doc = pypdfium2.PdfDocument(data)
        try:
            if not 1 <= page <= len(doc):
                return None
            pdf_page = doc[page - 1]
            width, height = pdf_page.get_size()
            left, top = max(box[0] - dx, 0), max(box[1] - dy, 0)
            right, bottom = min(box[2] + dx, width), min(box[3] + dy, height)
            image = pdf_page.render(scale=CROP_DPI / 72, crop=(left, height - bottom, width - right, top)).to_pil()
            pdf_page.close()
        finally:
            doc.close()
    else:
        with Image.open(io.BytesIO(data)) as picture:
            try:
                picture.seek(page - 1)
            except EOFError:
                return None
            scale = picture.width / 1000  # an image's box is in pixels: context in proportion
            image = picture.crop((max(box[0] - int(dx * scale), 0), max(box[1] - int(dy * scale), 0),
                                  min(box[2] + int(dx * scale), picture.width),
                                  min(box[3] + int(dy * scale), picture.height)))  # fmt: skip
            image.load()
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
