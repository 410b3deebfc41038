"""Cells glued together, split by the identities: a row by its own (R3, R4 per group), the rows its
own leave open jointly by those across rows (R1, R2); one solution is read, several go to review."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import extract
from extractor.core.layout import layout
from extractor.core.normalize import normalize
from extractor.core.schema import identities
from extractor.results.evaluate import same
from extractor.rules.cells import Cell
from extractor.rules.glued import MIN_PAIRS, Ambiguous, collapsing, fills, settle_jointly, shifts, splits
from extractor.rules.linebreaks import line_breaks
from extractor.rules.tables import read_disputes
from tests.synth import LINE_LOSING, random_report, render

R4 = tuple(r for r in identities("2021") if r.id.startswith("R4"))
GROUPS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
PARTS = ("upheld", "corrected", "other", "pending", "total")
DISPUTE_FIDS = tuple(f"disputes.{g}.{p}" for g in GROUPS for p in PARTS)
R3_GRANTED = tuple(r for r in identities("2021") if r.id == "R3[granted]")
GRANTED_FIDS = tuple(f"applications.granted.{c.id}" for c in layout().app_columns)  # in column order


def glued(text: str) -> str:
    """A page scraped without separators: no whitespace next to a digit, and no line breaks."""
    return re.sub(r"(?<=\d)\s+|\s+(?=\d)", "", LINE_LOSING["one-line"](text))


def cell(text: str) -> Cell:
    return Cell(text, 0, len(text), 0)


def test_fifteen_glued_dispute_cells_split_group_by_group() -> None:
    # 6 4 0 1 11 | 0 0 0 0 0 | 2 0 0 12 14: 18 digits, and only this cut makes each group's total hold
    cuts = splits([cell("640111000002001214")], DISPUTE_FIDS, R4)
    assert [[c.text for c in cut] for cut in cuts] == [["6", "4", "0", "1", "11", *"00000", "2", "0", "0", "12", "14"]]


def test_a_cut_keeps_the_boundaries_between_printed_cells_and_has_no_leading_zero() -> None:
    cuts = splits([cell("640111"), cell("00000"), cell("2001214")], DISPUTE_FIDS, R4)
    assert len(cuts) == 1 and [c.text for c in cuts[0]][-2:] == ["12", "14"]
    assert splits([cell("0" * 14)], DISPUTE_FIDS, R4) == []  # 14 digits cannot be 15 numbers


def test_glued_dispute_row_is_read_with_its_evidence() -> None:
    text = "四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n640111000002001214\n"
    norm = normalize(text)
    r = read_disputes(norm, 0, len(norm.text))
    assert [r.values[f].value for f in DISPUTE_FIDS] == [6, 4, 0, 1, 11, 0, 0, 0, 0, 0, 2, 0, 0, 12, 14]
    v = r.values["disputes.litigation_after_reconsideration.pending"]
    assert v.status == "derived" and "R4" in (v.note or "")
    assert norm.text[v.evidence[0].start : v.evidence[0].end] == "12"


def test_rows_their_own_identity_leaves_open_are_settled_together() -> None:
    """Two rows each fit two cuts; only one pairing makes the column sums (R2) hold."""
    rules = tuple(r for r in identities("2019") if r.id.startswith(("R2[", "R3[")))
    row_rules = {p: tuple(r for r in rules if r.id == f"R3[{p}]") for p in ("granted", "partially_granted")}
    cols = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")
    rows = []
    for prefix, digits in (("granted", "270200231"), ("partially_granted", "330010034")):
        fids = tuple(f"applications.{prefix}.{c}" for c in cols)
        cuts = splits([cell(digits)], fids, row_rules[prefix])
        assert len(cuts) >= 2
        rows.append(Ambiguous(f"applications.{prefix}", fids, [cell(digits)], cuts, row_rules[prefix], prefix, ""))
    truth = {"granted": [27, 0, 2, 0, 0, 2, 31], "partially_granted": [33, 0, 0, 1, 0, 0, 34]}
    known = {r_cell: 0 for r in rules for r_cell in r.cells if r.id.startswith("R2[")}
    for prefix in truth:
        for c in cols:
            known.pop(f"applications.{prefix}.{c}", None)
    for k, c in enumerate(cols):
        known[f"applications.processed_total.{c}"] = truth["granted"][k] + truth["partially_granted"][k]
    left = settle_jointly(rows, known, [r for r in rules if r.id.startswith("R2[")])
    assert [[int(x.text) for x in cuts[0]] for cuts in left] == list(truth.values())
    assert all(len(cuts) == 1 for cuts in left)


def test_a_heading_glued_to_the_digits_before_it_starts_a_line_and_offsets_hold() -> None:
    prose = "本机关认真贯彻落实政府信息公开条例的各项要求," * 30
    text = f"一、总体情况{prose}四、结转下年度继续办理82112014四、政府信息公开行政复议、行政诉讼情况009090000000000五、存在的主要问题及改进情况无。"
    norm = normalize(text, line_breaks)
    lines = norm.text.split("\n")
    assert "四、政府信息公开行政复议、行政诉讼情况" in lines and "009090000000000" in lines
    at = norm.text.index("009090000000000")
    s, e = norm.source_span(at, at + 15)
    assert text[s:e] == "009090000000000"


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]))
def test_a_report_scraped_without_separators_reads_its_tables_by_arithmetic(seed: int, fmt: str) -> None:
    """Every cell of 表三 and 表四 glued to its neighbours and to the labels: read exactly or in review,
    never silently wrong; 表二 (no identity) may stay in review, 表三 and 表四 mostly do not."""
    truth = random_report(random.Random(seed), fmt)
    flat = extract(text=glued(render(truth, fmt, "lines")), name="glued.txt").flat()
    wrong = [k for k, v in truth.items() if not same(v, flat["values"].get(k))]
    assert [k for k in wrong if k not in flat["review"]] == []
    checked = [k for k in truth if k.startswith(("applications.", "disputes."))]
    assert sum(k in wrong for k in checked) <= 0.1 * len(checked)


def test_a_heading_numbered_with_a_digit_takes_the_last_digit_of_the_run_before_it() -> None:
    prose = "本机关认真贯彻落实政府信息公开条例的各项要求," * 30
    text = f"1. 总体情况{prose}4. 结转下年度继续办理10000014. 政府信息公开行政复议、行政诉讼情况2022年无行政复议。5. 存在的主要问题"
    lines = normalize(text, line_breaks).text.split("\n")
    assert any(
        line.startswith("4.政府信息公开行政复议") or line.startswith("4. 政府信息公开行政复议") for line in lines
    )
    assert any(line.endswith("1000001") for line in lines)


def broken_numbers(text: str, rng: random.Random) -> tuple[str, int]:
    """Each number of two digits or more in 表三 broken over two lines with probability 1/3, as Word
    exports break them in narrow cells; how many were broken."""
    head, sep, rest = text.partition("三、收到和处理政府信息公开申请情况")
    table, sep2, tail = rest.partition("四、政府信息公开行政复议")
    lines, broken = [], 0
    for line in table.split("\n"):
        if line.isdigit() and len(line) > 1 and rng.random() < 1 / 3:
            cut = rng.randint(1, len(line) - 1)
            lines.append(f"{line[:cut]}\n{line[cut:]}")
            broken += 1
        else:
            lines.append(line)
    return head + sep + "\n".join(lines) + sep2 + tail, broken


def test_a_number_broken_over_two_lines_is_joined_the_one_way_its_row_allows() -> None:
    text = "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\n\n1\n62\n\n3\n\n0\n\n0\n\n0\n\n0\n\n165\n"
    norm = normalize(text)
    from extractor.rules.tables import read_applications

    r, _ = read_applications(norm, 0, len(norm.text), "2021")
    new = [r.values[f"applications.new_received.{c}"] for c in ("natural_person", "commercial", "total")]
    assert [v.value for v in new] == [162, 3, 165]
    assert new[0].status == "derived" and [e.quote for e in new[0].evidence] == ["1", "62"]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["2019", "2021"]))
def test_numbers_broken_over_lines_are_read_or_in_review_never_silently_wrong(seed: int, fmt: str) -> None:
    rng = random.Random(seed)
    truth = random_report(rng, fmt)
    text, _ = broken_numbers(render(truth, fmt, "lines"), rng)
    flat = extract(text=text, name="broken.txt").flat()
    wrong = [k for k, v in truth.items() if not same(v, flat["values"].get(k))]
    assert [k for k in wrong if k not in flat["review"]] == []
    applications = [k for k in truth if k.startswith("applications.")]
    assert sum(k in wrong for k in applications) <= 0.1 * len(applications)


# ---------------------------------------------------------------- fewer numbers than cells (fills)
def values_of(reading: list[Cell]) -> list[str]:
    return [c.text for c in reading]


def test_a_dropped_cell_in_a_row_of_zeros_has_one_reading() -> None:
    """14 zeros for 表四's 15 cells (an OCR box missed, a blank line dropped): wherever the missing
    cell stood, R4 forces it to 0, so every placement gives the same values: one reading."""
    readings = fills([cell("0")] * 14, DISPUTE_FIDS, R4, collapsed=False)
    assert len(readings) == 1 and sum(not c.text for c in readings[0]) == 1


def test_a_dropped_cell_that_could_stand_in_several_places_is_not_chosen() -> None:
    # 5 0 0 0 0 5 for seven cells: the blank is the total (10) or a 0 before it: not one reading
    readings = fills([cell(x) for x in "500005"], GRANTED_FIDS, R3_GRANTED, collapsed=False)
    assert len(readings) > 1
    assert fills([cell("0")] * 14, DISPUTE_FIDS, (), collapsed=False) == []  # no identity: no reading


def test_identical_cells_a_crawler_collapsed_are_among_the_readings() -> None:
    """`3` / `0` / `3` for 3,0,0,0,0,0,3: on a page that collapsed runs, the collapsed run is read; on
    one that kept identical lines, it is no reading."""
    runs = [values_of(r) for r in fills([cell("3"), cell("0"), cell("3")], GRANTED_FIDS, R3_GRANTED, collapsed=True)]
    assert runs == [["3", "0", "0", "0", "0", "0", "3"]]
    gaps = [values_of(r) for r in fills([cell("3"), cell("0"), cell("3")], GRANTED_FIDS, R3_GRANTED, collapsed=False)]
    assert ["3", "0", "0", "0", "0", "0", "3"] not in gaps  # without collapsing, a 0 is never repeated


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), dropped=st.integers(1, 2))
def test_dispute_row_with_dropped_cells_is_read_only_when_every_placement_agrees(seed: int, dropped: int) -> None:
    """表四 printed one cell per line with one or two cells lost: read exactly when the identities
    leave one set of values, otherwise every cell in review — never a wrong value."""
    rng = random.Random(seed)
    truth = random_report(rng, "2021")
    values = [str(truth[f]) for f in DISPUTE_FIDS]
    for _ in range(dropped):
        values.pop(rng.randrange(len(values)))
    text = "四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n" + "\n".join(values) + "\n"
    norm = normalize(text)
    r = read_disputes(norm, 0, len(norm.text))
    for f in DISPUTE_FIDS:
        v = r.values.get(f)
        if v is not None and v.value is not None:
            assert same(truth[f], v.value), (f, truth[f], v.value)


def test_a_run_whose_inner_blanks_are_known_is_placed_only_where_the_identities_allow() -> None:
    empty = Cell("", 0, 0, 0)
    # Fifteen cells long: one start only, read whole if R4 holds, not at all if it cannot.
    whole = [cell("0")] * 5 + [cell("1"), empty, empty, empty, cell("1")] + [empty] * 4 + [cell("0")]
    (reading,) = shifts([whole], DISPUTE_FIDS, R4)
    assert [c.text for c in reading] == [c.text for c in whole]
    broken = [cell("0")] * 4 + [cell("7")] + whole[5:]  # 复议 total 7 over four zeros
    assert shifts([broken], DISPUTE_FIDS, R4) == []
    # A short run: every start the identities allow is a reading of its own, and each keeps the run whole.
    run = [cell("2"), empty, empty, cell("3"), cell("5")]
    readings = shifts([run], DISPUTE_FIDS, R4)
    assert len(readings) > 1
    for r in readings:
        k = next(i for i, c in enumerate(r) if c.text)
        assert [c.text for c in r[k : k + 5]] == ["2", "", "", "3", "5"]
        assert not any(c.text for c in r[k + 5 :])


def test_a_lone_zero_is_a_row_of_zeros_only_on_a_page_that_collapsed_its_runs() -> None:
    """`0` alone for seven cells: a collapsed run of seven zeros, or one zero with six blanks dropped
    (the other cells open). What the page says of itself decides which."""
    (zeros,) = fills([cell("0")], GRANTED_FIDS, R3_GRANTED, collapsed=True)
    assert values_of(zeros) == ["0"] * 7
    assert len(fills([cell("0")], GRANTED_FIDS, R3_GRANTED, collapsed=None)) > 1  # the page said nothing
    assert all(sum(bool(c.text) for c in r) == 1 for r in fills([cell("0")], GRANTED_FIDS, R3_GRANTED, collapsed=False))


def test_a_row_no_run_fits_is_read_as_dropped_blanks_even_on_a_collapsing_page() -> None:
    # 3 2 5: no runs of these make R3 hold (3a + 2b + 5(c - 1) = 5 with a + b + c = 7), blanks dropped do
    readings = fills([cell("3"), cell("2"), cell("5")], GRANTED_FIDS, R3_GRANTED, collapsed=True)
    assert readings and all(sum(bool(c.text) for c in r) == 3 for r in readings)


def test_runs_of_fifteen_dispute_cells_are_every_reading_r4_allows() -> None:
    """`0 7 0 8 15` for 表四's 15 cells: 3,432 ways to stretch five cells into runs; the search keeps
    the three in which every group's total holds, and no other."""
    readings = [
        values_of(r) for r in fills([cell(x) for x in ["0", "7", "0", "8", "15"]], DISPUTE_FIDS, R4, collapsed=True)
    ]
    assert sorted(readings) == sorted(
        [
            [*"00000", *"00077", "7", "0", "0", "8", "15"],
            [*"00000", *"00000", "7", "0", "0", "8", "15"],
            [*"00000", *"00000", "0", "7", "0", "8", "15"],
        ]
    )


def test_a_page_says_whether_it_collapsed_identical_lines() -> None:
    distinct = "\n".join(str(k % 7 + (k // 7) * 10) for k in range(MIN_PAIRS + 1))  # never two alike in a row
    assert collapsing("规章\n" + distinct) is True
    assert collapsing("规章\n" + distinct + "\n0\n0") is False  # identical lines kept: no crawler collapsed them
    assert collapsing(distinct.replace("\n", "\n\n")) is None  # cells set apart by blank lines say nothing
    assert collapsing("1\n2\n3") is None  # too few lines to say


def test_dispute_cells_every_collapsed_reading_agrees_on_are_read() -> None:
    """表四 `0 7 0 8 15` on a page that collapsed its runs: three readings fit R4; the first group's
    zeros stand in every one and are read, the cells they disagree on stay in review with them."""
    table = "\n".join(str(k % 7 + (k // 7) * 10) for k in range(MIN_PAIRS + 1))  # never two alike in a row
    text = f"三、收到和处理政府信息公开申请情况\n{table}\n四、政府信息公开行政复议、行政诉讼情况\n0\n7\n0\n8\n15\n"
    norm = normalize(text)
    r = read_disputes(norm, norm.text.index("四、"), len(norm.text))
    assert [r.values[f].value for f in DISPUTE_FIDS[:5]] == [0] * 5
    assert not any(r.values[f].review for f in DISPUTE_FIDS[:5])
    assert r.values[DISPUTE_FIDS[10]].value is None and "3 ways" in r.values[DISPUTE_FIDS[10]].review[0]
