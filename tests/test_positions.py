"""Fixed-width text: a row's blank cells are put back where the table's columns stand."""

from __future__ import annotations

from extractor import extract
from extractor.core.normalize import normalize
from extractor.rules.cells import Cell
from extractor.rules.positions import anchors, clustered, display_width, edges, empties_by_pitch, place, with_blanks
from extractor.rules.tables import read_disputes

COLS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")


def row(label: str, values: list[str], width: int = 80) -> str:
    return label + " " * (width - display_width(label)) + "".join(v.rjust(8) for v in values)


def test_a_cjk_character_is_two_columns_wide() -> None:
    assert display_width("规章 12") == 7


def test_edges_are_measured_in_the_original_line() -> None:
    text = "规章    12      3\n"
    norm = normalize(text)
    a, b = norm.text.index("12"), norm.text.index("3")
    assert edges(norm, [Cell("12", a, a + 2, 0), Cell("3", b, b + 1, 0)]) == [(8, 10), (16, 17)]


def test_columns_from_complete_rows_and_from_all_numbers() -> None:
    complete = [[(6, 8), (14, 16)], [(7, 8), (15, 16)]]
    assert anchors(complete, 2) == (1, [8, 16])  # right-aligned: the right edges agree
    assert anchors(complete[:1], 2) is None  # one row proves nothing
    assert clustered([[(7, 8)], [(14, 16)], [(6, 8), (15, 16)]], 2) == (1, [8, 16])
    assert clustered([[(7, 8)], [(6, 8)]], 2) is None  # one column printed: two cannot be found


def test_a_short_row_is_placed_under_its_columns_or_not_at_all() -> None:
    columns = [8.0, 16.0, 24.0]
    assert place([(7, 8), (23, 24)], 1, columns) == [0, 2]
    assert place([(7, 12)], 1, columns) is None  # between two columns: no guess
    cells = with_blanks([Cell("1", 0, 1, 0), Cell("2", 5, 6, 0)], [0, 2], 3)
    assert [c.text for c in cells] == ["1", "", "2"]


def test_a_fixed_width_table_with_blank_cells_reads_every_printed_number_in_its_column() -> None:
    """Row 二 leaves 其他 empty; row （一） leaves 自然人 and 科研 empty: by position, not by count."""
    rows = [
        ("一、本年新收政府信息公开申请数量", ["10", "2", "1", "0", "0", "1", "14"]),
        ("二、上年结转政府信息公开申请数量", ["3", "1", "0", "0", "0", "", "4"]),
        ("（一）予以公开", ["", "2", "", "0", "0", "1", "3"]),
        ("四、结转下年度继续办理", ["0", "0", "0", "0", "0", "0", "0"]),
    ]
    table = "\n".join(row(label, values) for label, values in rows)
    text = f"某局2022年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n{table}\n五、存在的主要问题及改进情况\n无。\n"
    values = extract(text=text, name="fixed.txt").flat()["values"]
    assert [values[f"applications.carried_over.{c}"] for c in COLS] == [3, 1, 0, 0, 0, 0, 4]  # 其他 forced by R3
    assert [values[f"applications.granted.{c}"] for c in COLS][1:] == [2, 0, 0, 0, 1, 3]
    assert values["applications.granted.commercial"] == 2  # not shifted into 自然人's column


def _right_aligned(values: list[str], pitch: int = 8) -> list[tuple[int, int]]:
    """The (left, right) display columns of the printed numbers of a row right-aligned in columns."""
    return [((k + 1) * pitch - len(v), (k + 1) * pitch) for k, v in enumerate(values) if v]


def test_a_row_alone_shows_its_empty_cells_by_the_steps_between_its_numbers() -> None:
    # The narrowest step may span two columns (every number a blank apart), so that reading is offered too.
    assert empties_by_pitch(_right_aligned(["1", "", "12", "3", "", "", "4"])) == [[1, 0, 2], [3, 1, 5]]
    assert empties_by_pitch(_right_aligned(["1", "", "2", "", "3", "", "", "", "4"])) == [
        [0, 0, 1],
        [1, 1, 3],
        [2, 2, 5],
    ]
    assert empties_by_pitch(_right_aligned(["1", "2", "3"])) == [[0, 0], [1, 1]]
    assert empties_by_pitch([(0, 1), (8, 9), (22, 23)]) == []  # steps 8 and 14: no common pitch


DISPUTES = [0, 0, 2, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 3, 3]


def _fixed_disputes(cells: list[str]) -> str:
    line = "".join(c.rjust(8) for c in cells)
    return f"四、政府信息公开行政复议、行政诉讼情况\n{line}\n五、存在的主要问题及改进情况\n无。\n"


def _read(text: str):  # a Reading
    norm = normalize(text)
    return read_disputes(norm, norm.text.index("四、"), norm.text.index("五、"))


def test_a_fixed_width_disputes_row_places_its_numbers_by_their_spacing() -> None:
    """Zeros left blank inside 表四's row, no header: the spaces between the numbers say how many
    cells are empty, and R4 says where the row begins."""
    cells = ["" if v == 0 and k not in (0, 14) else str(v) for k, v in enumerate(DISPUTES)]
    r = _read(_fixed_disputes(cells))
    got = [v.value for v in r.values.values()]
    assert len(got) == 15 and [0 if v is None else v for v in got] == DISPUTES
    assert all("fixed-width columns" in (v.note or "") for v in r.values.values())


def test_a_fixed_width_disputes_row_whose_start_the_identities_leave_open_is_not_placed() -> None:
    # Leading and trailing zeros blank: 2 _ 2 1 could begin at several cells for all R4 knows.
    cells = ["" if v == 0 else str(v) for v in DISPUTES[:10]]
    r = _read(_fixed_disputes(cells))
    assert not any(v.value for v in r.values.values())
    assert r.problems and "ways" in r.problems[0]
