"""Property tests: a random consistent report, rendered in every flattening, parses back exactly."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import extract
from extractor.results.evaluate import same
from tests.synth import (
    LINE_LOSING,
    PAGE_REWRITES,
    STYLES,
    WRAPS,
    collapse_identical_lines,
    header_one_character_per_line,
    random_report,
    render,
    reword_labels,
    wrap_labels,
    wrap_labels_in_rows,
)


def _wrong(truth: dict, flat: dict) -> dict:
    """Field id -> (true value, value read) for every field read differently."""
    return {k: (v, flat["values"].get(k)) for k, v in truth.items() if not same(v, flat["values"].get(k))}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]), style=st.sampled_from(STYLES))
def test_rendered_report_parses_back(seed: int, fmt: str, style: str) -> None:
    truth = random_report(random.Random(seed), fmt)
    report = extract(render(truth, fmt, style), name=f"synthetic.{style}")
    flat = report.flat()
    assert report.meta.format.value == fmt
    wrong = _wrong(truth, flat)
    assert wrong == {}
    assert all(c.outcome != "FAIL" for c in report.checks)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]), blank_rate=st.floats(0.1, 0.9))
def test_blanked_zeros_are_derived_only_when_forced(seed: int, fmt: str, blank_rate: float) -> None:
    """Zeros printed as blank cells: every value filled is the true one; the rest stay null, in review."""
    rng = random.Random(seed)
    truth = random_report(rng, fmt)
    text = render(truth, fmt, "markdown")
    lines = []
    for line in text.split("\n"):
        if line.startswith("|") and "---" not in line:
            cells = line.split("|")
            cells = [(" " if c.strip() == "0" and rng.random() < blank_rate else c) for c in cells]
            line = "|".join(cells)
        lines.append(line)
    report = extract("\n".join(lines), name="blanked.md")
    flat = report.flat()
    for fid, expected in truth.items():
        got = flat["values"].get(fid)
        if got is None:
            assert fid in flat["review"], fid
        else:
            assert same(expected, got), (fid, expected, got)


TEXT_STYLES = [s for s in STYLES if s != "html"]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    fmt=st.sampled_from(["2019", "2021"]),
    style=st.sampled_from(TEXT_STYLES),
    rewrite=st.sampled_from(sorted(PAGE_REWRITES)),
)
def test_a_page_rewrite_that_keeps_the_lines_parses_back_exactly(seed: int, fmt: str, style: str, rewrite: str) -> None:
    truth = random_report(random.Random(seed), fmt)
    report = extract(text=PAGE_REWRITES[rewrite](render(truth, fmt, style)), name=f"synthetic.{style}")
    flat = report.flat()
    wrong = _wrong(truth, flat)
    assert wrong == {}


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    fmt=st.sampled_from(["2019", "2021"]),
    style=st.sampled_from([s for s in STYLES if s != "fixed"]),
)
def test_row_labels_reworded_as_real_reports_do_parse_back_exactly(seed: int, fmt: str, style: str) -> None:
    rng = random.Random(seed)
    truth = random_report(rng, fmt)
    report = extract(text=reword_labels(render(truth, fmt, style), rng, rate=0.7), name=f"synthetic.{style}")
    flat = report.flat()
    wrong = _wrong(truth, flat)
    assert wrong == {}
    assert not [k for k in truth if k in flat["review"]]


# Labels wrapped over two lines: as PDF text (the numbers beside either piece or between them) and as
# a converter's `|` rows (the label's other half a row of its own, beside the numbers' row).
WRAPPED = [(wrap_labels, "tabs", where) for where in WRAPS] + [
    (wrap_labels_in_rows, "markdown", where) for where in (WRAPS[0], WRAPS[2])
]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]), wrapped=st.sampled_from(WRAPPED))
def test_labels_wrapped_over_two_lines_parse_back_exactly_wherever_their_numbers_stand(
    seed: int, fmt: str, wrapped: tuple
) -> None:
    wrap, style, where = wrapped
    truth = random_report(random.Random(seed), fmt)
    report = extract(text=wrap(render(truth, fmt, style), where), name="wrapped.txt")
    flat = report.flat()
    assert _wrong(truth, flat) == {}
    assert not [k for k in truth if k in flat["review"]]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]), style=st.sampled_from(TEXT_STYLES))
def test_a_report_that_lost_its_line_breaks_is_never_silently_wrong(seed: int, fmt: str, style: str) -> None:
    truth = random_report(random.Random(seed), fmt)
    report = extract(text=LINE_LOSING["one-line"](render(truth, fmt, style)), name=f"synthetic.{style}")
    flat = report.flat()
    silent = {
        k: (v, flat["values"].get(k))
        for k, v in truth.items()
        if not same(v, flat["values"].get(k)) and k not in flat["review"]
    }
    assert silent == {}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]), style=st.sampled_from(["open", "tabs"]))
def test_a_one_line_report_with_empty_cells_is_never_silently_wrong(seed: int, fmt: str, style: str) -> None:
    """Line breaks lost and zeros printed as empty cells: rows bound to their labels by their cell
    count, 表四 placed by its pipes and R4; whatever is wrong is in review, and little is."""
    rng = random.Random(seed)
    truth = random_report(rng, fmt)
    text = render(truth, fmt, style, blank=lambda v: v == 0 and rng.random() < 0.5)
    flat = extract(text=LINE_LOSING["one-line"](text), name="one-line.txt").flat()
    wrong = _wrong(truth, flat)
    assert all(k in flat["review"] for k in wrong), wrong
    assert len(wrong) < 0.2 * len(truth)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    fmt=st.sampled_from(["2019", "2021"]),
    style=st.sampled_from(["tabs", "lines", "cell_per_line", "markdown", "open", "fixed"]),
    blank_rate=st.floats(0.1, 0.9),
)
def test_zeros_printed_as_empty_cells_parse_back_in_every_text_layout(
    seed: int, fmt: str, style: str, blank_rate: float
) -> None:
    """An empty cell is an empty tab field, one more blank line between cells a blank line apart, an
    empty `| |`: each layout says where it stands, so every cell lands in its column. A blank the
    identities force is derived; one they leave open stays null, in review; nothing is misplaced."""
    rng = random.Random(seed)
    truth = random_report(rng, fmt)
    report = extract(render(truth, fmt, style, blank=lambda v: v == 0 and rng.random() < blank_rate), name="b.txt")
    flat = report.flat()
    wrong = _wrong(truth, flat)
    assert all(flat["values"].get(k) is None and k in flat["review"] for k in wrong), wrong
    assert len(wrong) < 0.2 * len(truth)  # the blanks the arithmetic leaves open, not whole rows lost


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]), style=st.sampled_from(TEXT_STYLES))
def test_a_header_broken_one_character_per_line_is_no_row(seed: int, fmt: str, style: str) -> None:
    """表三's column header exported one character per line (申/请/人/情/况, 自/然/人, …): read exactly, and
    none of its characters is taken for a row or a cell."""
    truth = random_report(random.Random(seed), fmt)
    report = extract(text=header_one_character_per_line(render(truth, fmt, style)), name=f"synthetic.{style}")
    flat = report.flat()
    wrong = _wrong(truth, flat)
    assert wrong == {}
    assert not [f for f in flat["review"] if f.startswith("applications.")]


def test_a_collapsed_page_reads_rows_of_zeros_and_cells_every_reading_agrees_on() -> None:
    """A crawler collapsed runs of identical lines: a row printed as one `0` is a row of zeros, read and
    right; a row (or 表四) several readings fit is left in review, but a printed cell that stands in the
    same column in every reading the identities allow is read; nothing wrong leaves review."""
    agreed = 0
    for seed in range(12):
        rng = random.Random(seed)
        fmt = rng.choice(["2019", "2021"])
        truth = random_report(rng, fmt)
        report = extract(text=collapse_identical_lines(render(truth, fmt, "lines")), name="collapsed.txt")
        flat = report.flat()
        for fid, v in report.fields():
            if fid in truth and "every reading of the row" in (v.note or ""):
                agreed += 1
                assert same(truth[fid], flat["values"][fid]), fid
        assert all(same(v, flat["values"].get(k)) or k in flat["review"] for k, v in truth.items())
        for row in {k.rsplit(".", 1)[0] for k in truth if k.startswith("applications.")}:
            cells = [k for k in truth if k.rsplit(".", 1)[0] == row]
            if all(truth[k] == 0 for k in cells):
                assert all(flat["values"][k] == 0 and k not in flat["review"] for k in cells), row
    assert agreed > 0
