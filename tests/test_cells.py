from extractor.rules.cells import detect_style, tokenize


def texts(text: str) -> tuple[str, list[str]]:
    style, cells = tokenize(text, 0, len(text))
    return style, [c.text for c in cells]


def test_open_style_newline_between_pipes_is_an_empty_cell() -> None:
    # The seed-000 flattening: four empty cells, written as lines holding only a pipe.
    text = "一、本年新收政府信息公开申请数量 | 8 | 1 |\n|\n|\n|\n| 9 | ||\n"
    style, cells = texts(text)
    assert style == "open"
    assert cells[:8] == ["一、本年新收政府信息公开申请数量", "8", "1", "", "", "", "", "9"]


def test_one_cell_per_line_with_trailing_pipe() -> None:
    style, cells = texts("规章 |\n0 |\n12 |\n")
    assert style == "open"
    assert cells == ["规章", "0", "12"]


def test_bordered_rows_and_markdown_header() -> None:
    text = "| 信息内容 | 本年制发件数 |\n|---|---|\n| 规章 | 3 |\n松散的一行\n"
    style, cells = tokenize(text, 0, len(text))
    assert style == "bordered"
    assert [c.text for c in cells if c.header] == ["信息内容", "本年制发件数"]
    assert [c.text for c in cells if c.loose] == ["松散的一行"]
    assert [c.text for c in cells if not c.header and not c.loose] == ["规章", "3"]


def test_numeric_row_above_separator_is_data_not_header() -> None:
    text = "| 0 | 1 | 2 |\n|---|---|---|\n"
    _, cells = tokenize(text, 0, len(text))
    assert not any(c.header for c in cells)


def test_lines_style_and_tabs() -> None:
    assert detect_style("规章\n\n0\n\n3") == "lines"
    _, cells = texts("规章\t0\t3\n")
    assert cells == ["规章", "0", "3"]


def test_label_glued_to_its_numbers_is_split() -> None:
    _, cells = texts("行政许可 97\n1 0 0 0 1\n2.重复申请\n第二十条第(一)项\n")
    assert cells == ["行政许可", "97", "1", "0", "0", "0", "1", "2.重复申请", "第二十条第(一)项"]


def test_cell_offsets_point_at_the_cell() -> None:
    text = "前文\n规章 | 12 |\n"
    _, cells = tokenize(text, 3, len(text))
    twelve = next(c for c in cells if c.text == "12")
    assert text[twelve.start : twelve.end] == "12"


def test_tab_separated_rows_keep_their_empty_fields() -> None:
    text = "一、本年新收政府信息公开申请数量\t8\t\t\t1\t\t9\n二、上年结转政府信息公开申请数量\t\t\t\t\t\t\t\n"
    style, cells = tokenize(text, 0, len(text))
    assert style == "bordered"  # a line is a row, as with pipes
    rows = [[c.text for c in cells if c.line == k] for k in (0, 1)]
    assert rows[0] == ["一、本年新收政府信息公开申请数量", "8", "", "", "1", "", "9"]
    assert rows[1] == ["二、上年结转政府信息公开申请数量", "", "", "", "", "", "", ""]  # a row of empty fields


def test_one_cell_per_line_a_blank_line_apart_counts_its_empty_cells() -> None:
    # Cells a blank line apart, rows one after another: an empty cell is one more empty line.
    rows = [["规章", "3", "", "3"], ["规范性文件", "", "", "7"], ["行政许可", "1", "1", ""]] * 3
    text = "\n".join("\n\n".join(r) for r in rows) + "\n"
    style, cells = texts(text)
    assert style == "spaced"
    assert cells == [c for r in rows for c in r][:-1]  # the empty cell ending the text leaves no line after it


def test_blank_lines_that_follow_no_rule_mean_nothing() -> None:
    # Single-spaced cells with a blank line here and there (paragraph spacing): not empty cells.
    text = "\n".join(["规章", "3", "", "3", "规范性文件", "5", "7"] * 3)
    style, cells = texts(text)
    assert style == "lines" and "" not in cells


def test_numbers_with_their_notes_on_one_loose_line_are_a_cell_each() -> None:
    """ "22 (其中修订16件) 55 (含自然失效29件)" outside the rows: each number and note on its own, as a
    PDF conversion prints them on lines of their own; a loose line of words stays one cell."""
    text = "第二十条第(一)项\n22 (其中修订16件) 55 (含自然失效29件)\n共 3 件 (说明)\n| 规章 | 22 |\n|---|---|\n"
    _, cells = tokenize(text, 0, len(text))
    loose = [c for c in cells if c.loose]
    assert [c.text for c in loose] == [
        "第二十条第(一)项",
        "22",
        "(其中修订16件)",
        "55",
        "(含自然失效29件)",
        "共 3 件 (说明)",
    ]
    assert all(text[c.start : c.end] == c.text for c in loose)


def test_rows_glued_into_one_stream_split_into_labels_and_digit_runs() -> None:
    """ "0000202" + "1.属于国家秘密" + …: the last digit of a long run before "N." is the label's numbering;
    a label numbered with two digits ("12.其他") is never cut, and decimals stay whole."""
    text = "00002021.属于国家秘密00000002.其他法律行政法规禁止公开0300306 12.其他 2733992.85\n"
    _, cells = tokenize(text, 0, len(text))
    assert [c.text for c in cells] == [
        "0000202", "1.属于国家秘密", "0000000", "2.其他法律行政法规禁止公开", "0300306", "12.其他", "2733992.85"
    ]  # fmt: skip
    assert all(text[c.start : c.end] == c.text for c in cells)


def test_blank_lines_between_cells_count_the_empty_cells_they_stand_for() -> None:
    from extractor.rules.cells import Cell, empties_between, separator_gap

    text = "7\n\n0\n\n\n\n5\n\n\n\n\n\n\n\n3"  # gap 1: 0, 1 and 3 empty cells between them
    starts = [text.index(x) for x in "7053"]
    cells = [Cell(text[k], k, k + 1, 0) for k in starts]
    assert empties_between(text, cells, 1) == [0, 1, 3]
    assert empties_between(text.replace("\n\n\n\n5", "\n\n\n5"), cells[:2], 1) == [0]
    assert empties_between("7\n\n\n0", [Cell("7", 0, 1, 0), Cell("0", 4, 5, 0)], 1) is None  # 2 blank lines
    spaced = "\n".join("\n\n".join(["label", "1", "2"]) for _ in range(6))
    assert separator_gap(spaced) == 1 and separator_gap("a\nb\nc\n" * 6) is None
