from extractor.core.normalize import normalize
from extractor.rules.tables import _app_labels, match, read_active, read_applications, read_disputes

L21 = _app_labels("2021")
L19 = _app_labels("2019")


def ids(text: str, labels=L21) -> set[str] | None:
    m = match(labels, text)
    return set(m[0]) if m else None


def test_row_labels_match_exactly_despite_numbering_and_width() -> None:
    assert ids("一、本年新收政府信息公开申请数量") == {"new_received"}
    assert ids("本年新收政府信息公开申请数量") == {"new_received"}
    assert ids("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == {"partially_granted"}
    assert ids("1. 属于国家秘密") == {"denied_state_secret"}


def test_a_long_label_with_one_character_misread_is_still_its_row() -> None:
    # OCR's 信意 for 信息, a typo's 申调 for 申请: one character off in a long label.
    m = match(L21, "6.属于四类过程性信意")
    assert m is not None and set(m[0]) == {"denied_process_info"} and m[1] == "prefix"
    assert ids("1.信访举报投诉类申调") == {"rejected_petition"}
    assert ids("结果维待") is None  # a short label one character off may be another label


def test_a_long_label_with_a_character_added_or_dropped_is_still_its_row() -> None:
    # Words real reports add or drop: 本年度 for 本年, 下一年度 for 下年度, 或者 for 或, 的 at the end.
    for text, row in [
        ("一、本年度新收政府信息公开申请数量", "new_received"),
        ("二、上年度结转政府信息公开申请数量", "carried_over"),
        ("四、结转下一年度继续办理", "carried_forward"),
        ("5.要求行政机关确认或者重新出具已获取信息", "rejected_confirmation"),
        ("2.没有现成信息需要另行制作的", "unable_needs_creation"),
        ("6.属于四类过程信息", "denied_process_info"),
    ]:
        m = match(L21, text)
        assert m is not None and set(m[0]) == {row} and m[1] == "prefix", text
    # Within reach of two rows, a label names both (its numbering or the row order decides); a short
    # label is not stretched.
    assert ids("上年结收政府信息公开申请数量") == {"new_received", "carried_over"}
    assert ids("一、上年结收政府信息公开申请数量") == {"new_received"}
    assert ids("维持结果") is None


def test_total_row_printed_as_heji() -> None:
    assert ids("（七）合计") == {"processed_total"}


def test_column_headers_are_not_rows_unless_numbered() -> None:
    assert ids("总计") is None
    assert ids("其他") is None
    assert ids("（七）总计") == {"processed_total"}
    assert ids("3.其他") == {"other_other"}


def test_fragments_of_split_labels_give_their_candidates() -> None:
    assert ids("行政机关不再处理其政府信息公") == {"other_overdue_correction", "other_unpaid_fee"}
    assert ids("缴纳费用、") == {"other_unpaid_fee"}
    assert ids("果") is None
    assert ids("2022年,襄阳市行政审批局制发规章0篇、行政规范性文件0篇;处理行政许可965件") is None


def test_2019_has_no_2021_rows() -> None:
    assert ids("3.其他", L19) is None or "other_other" not in ids("3.其他", L19)


def _apps(text: str, fmt: str = "2021"):
    n = normalize(text)
    reading, _ = read_applications(n, 0, len(n.text), fmt)
    return reading


ROW7 = " | ".join(["1", "0", "0", "0", "0", "0", "1"])


def test_unlabelled_rows_fill_exactly_matching_free_slots_in_order() -> None:
    text = (
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n|---|---|---|---|---|---|---|---|\n"
        f"| {ROW7} |\n| 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
        "| 4.保护第三方合法权益 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
    )
    r = _apps(text)
    assert r.values["applications.denied_prohibited_by_law.total"].value == 1
    assert r.values["applications.denied_security_stability.total"].value == 2
    assert any("official row order" in why for why in r.values["applications.denied_prohibited_by_law.total"].review)
    assert r.values["applications.denied_third_party.total"].review == []


def test_unlabelled_rows_that_do_not_fit_are_reported_not_guessed() -> None:
    text = (
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n|---|---|---|---|---|---|---|---|\n"
        f"| {ROW7} |\n"
        "| 4.保护第三方合法权益 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
    )
    r = _apps(text)
    assert "applications.denied_prohibited_by_law.total" not in r.values
    assert "applications.denied_security_stability.total" not in r.values
    assert any("could not be placed" in p for p in r.problems)


def test_a_row_with_missing_cells_is_not_shifted() -> None:
    text = "一、本年新收政府信息公开申请数量\n\n12\n\n12\n"  # one cell per line; five cells lost
    r = _apps(text)
    v = r.values["applications.new_received.natural_person"]
    assert v.value is None and v.review
    assert r.values["applications.new_received.total"].value is None


def test_explicit_blank_cells_keep_their_positions() -> None:
    r = _apps(
        "| 一、本年新收政府信息公开申请数量 | 26 | | | | | | 26 |\n| 二、上年结转政府信息公开申请数量 | 0 | | | | | | 0 |\n"
    )
    assert r.values["applications.new_received.natural_person"].value == 26
    assert r.values["applications.new_received.commercial"].status == "blank"
    assert r.values["applications.new_received.total"].value == 26


def test_active_block_columns_follow_the_format() -> None:
    n = normalize(
        "第二十条第(一)项\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| 规范性文件 | 8 | 0 | 18 |\n"
    )
    r = read_active(n, 0, len(n.text), "2021")
    assert r.values["active.normative_documents.issued"].value == 8
    assert r.values["active.normative_documents.in_force"].value == 18


def test_detached_cells_are_placed_only_by_a_note_naming_their_column() -> None:
    text = (
        "第二十条第（一）项\n22\n（其中修订16件）\n55\n（含自然失效29件）\n第二十条第（五）项\n行政许可 0\n"
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|\n"
        "| 规章 | 22 | 235 |\n|---|---|---|\n| 行政规范性文件 | 34 | 189 |\n"
    )
    n = normalize(text)
    r = read_active(n, 0, len(n.text), "2021")
    got = {k.split(".", 1)[1]: v.value for k, v in r.values.items()}
    assert got["regulations.issued"] == 22 and got["regulations.repealed"] == 22 and got["regulations.in_force"] == 235
    assert got["normative_documents.issued"] == 34 and got["normative_documents.repealed"] == 55
    assert got["normative_documents.in_force"] == 189
    assert all(v.review for k, v in r.values.items() if "regulations" in k or "normative" in k)


def test_detached_cell_without_a_telling_note_stays_unplaced() -> None:
    text = "第二十条第（一）项\n22\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|\n| 规章 | 22 | 235 |\n"
    n = normalize(text)
    r = read_active(n, 0, len(n.text), "2021")
    assert r.values["active.regulations.issued"].value is None
    assert r.values["active.regulations.issued"].review


def test_disputes_fifteen_numbers_in_fixed_order() -> None:
    nums = [str(i) for i in range(15)]
    n = normalize("行政复议 | 行政诉讼 |\n结果维持 | 结果纠正 |\n" + " | ".join(nums) + " |\n")
    r = read_disputes(n, 0, len(n.text))
    assert r.values["disputes.reconsideration.upheld"].value == 0
    assert r.values["disputes.litigation_direct.upheld"].value == 5
    assert r.values["disputes.litigation_after_reconsideration.total"].value == 14


def test_disputes_with_fewer_numbers_are_reported() -> None:
    n = normalize("1 | 0 | 0 | 0 | 1 |\n")
    r = read_disputes(n, 0, len(n.text))
    assert not r.values
    assert r.problems


# ---------------------------------------------------------------- glued cells
NEW = "applications.new_received"


def test_a_glued_row_is_split_the_one_way_its_identity_allows() -> None:
    text = "| 一、本年新收政府信息公开申请数量 | 640020470 |\n"
    r = _apps(text)
    got = [r.values[f"{NEW}.{c}"] for c in ("natural_person", "commercial", "research", "social_org",
                                            "legal_service", "other_org", "total")]  # fmt: skip
    assert [v.value for v in got] == [64, 0, 0, 2, 0, 4, 70]
    assert all(v.status == "derived" and "R3[new_received]" in (v.note or "") for v in got)
    norm = normalize(text)
    assert [norm.text[v.evidence[0].start : v.evidence[0].end] for v in got] == ["64", "0", "0", "2", "0", "4", "70"]


def test_a_glued_row_with_several_fitting_splits_goes_to_review_with_the_candidates() -> None:
    r = _apps("| 一、本年新收政府信息公开申请数量 | 1030212146 |\n")
    v = r.values[f"{NEW}.natural_person"]
    assert v.value is None and v.status == "missing"
    assert "split 3 ways" in v.review[0] and "1 0 3 0 21 21 46" in v.review[0]


def test_short_rows_of_one_cell_per_line_are_not_taken_for_glued_ones() -> None:
    # Blank cells may be unprinted in this flattening: five printed cells are five numbers, not digits to cut.
    r = _apps("一、本年新收政府信息公开申请数量\n\n1\n\n2\n\n3\n\n0\n\n6\n")
    assert r.values[f"{NEW}.total"].value is None and r.values[f"{NEW}.total"].review


# ---------------------------------------------------------------- a row label printed twice
NEW_LABEL = "一、本年新收政府信息公开申请数量"


def test_a_row_printed_twice_keeps_the_reading_whose_own_total_holds() -> None:
    for first, second in (("1 | 2 | 3 | 4 | 5 | 6 | 7", "705 | 3 | 0 | 0 | 5 | 0 | 713"),
                          ("705 | 3 | 0 | 0 | 5 | 0 | 713", "1 | 2 | 3 | 4 | 5 | 6 | 7")):  # fmt: skip
        r = _apps(f"| {NEW_LABEL} | {first} |\n| {NEW_LABEL} | {second} |\n")
        got = [r.values[f"applications.new_received.{c}"].value for c in ("natural_person", "research", "total")]
        assert got == [705, 0, 713]
        assert any("printed twice" in p for p in r.problems)


def test_a_row_printed_twice_that_the_arithmetic_cannot_settle_goes_to_review() -> None:
    r = _apps(f"| {NEW_LABEL} | 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n| {NEW_LABEL} | 6 | 0 | 0 | 0 | 0 | 0 | 6 |\n")
    v = r.values["applications.new_received.total"]
    assert any("printed twice with other numbers" in why for why in v.review)


def test_a_row_printed_twice_with_the_same_numbers_is_one_row() -> None:
    r = _apps(f"| {NEW_LABEL} | 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n| {NEW_LABEL} | 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n")
    assert r.values["applications.new_received.total"].review == [] and not r.problems


def test_a_complete_row_is_bound_to_its_label_unless_labels_stand_apart_from_their_rows() -> None:
    """A label between pipes, or one cell per column right after the row's label, binds those cells to
    it even where line breaks were lost. Not after a label with no cells of its own: labels printed
    apart from their rows (PDF exports) may stand in any order before them."""
    inside = _apps(f"| {NEW_LABEL} | {ROW7} |\n")
    before = _apps(f"{NEW_LABEL} | {ROW7} |\n")
    apart = _apps(f"二、上年结转政府信息公开申请数量\n{NEW_LABEL} | {ROW7} |\n")
    short = _apps(f"{NEW_LABEL} | 1 | 0 | 1 |\n")  # three cells for seven columns: the count proves nothing
    for reading in (inside, before):
        assert f"{NEW}.total" in reading.in_row and reading.values[f"{NEW}.total"].value == 1
    assert f"{NEW}.total" not in apart.in_row and apart.values[f"{NEW}.total"].value == 1
    assert f"{NEW}.total" not in short.in_row


def _printed_apart(labels: list[str]) -> str:
    """表三 as PDF exports print it: two rows' labels on lines of their own, their numbers in `|` rows
    with no label."""
    return (
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n|---|---|---|---|---|---|---|---|\n"
        + "".join(f"{label}\n" for label in labels)
        + f"| {ROW7} |\n| 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
        "| 4.保护第三方合法权益 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
    )


def test_labels_printed_apart_in_the_same_order_confirm_the_rows_placed_by_order() -> None:
    r = _apps(_printed_apart(["2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”"]))
    prohibited, security = (
        r.values[f"applications.{row}.total"] for row in ("denied_prohibited_by_law", "denied_security_stability")
    )
    assert (prohibited.value, security.value) == (1, 2)
    assert prohibited.review == [] and security.review == []


def test_labels_printed_apart_that_do_not_name_the_placed_rows_leave_them_in_doubt() -> None:
    for labels in (["3.危及“三安全一稳定”", "2.其他法律行政法规禁止公开"], ["2.其他法律行政法规禁止公开"]):
        r = _apps(_printed_apart(labels))
        v = r.values["applications.denied_prohibited_by_law.total"]
        assert any("official row order" in why for why in v.review), labels


def test_a_group_label_and_its_first_row_on_one_line_match_the_row() -> None:
    assert match(L21, "(四)无2.没有现成信息需要另") == (frozenset({"unable_needs_creation"}), "prefix")
    assert match(L21, "予处理4.无正当理由大量反复") == (frozenset({"rejected_vexatious"}), "prefix")


def test_a_group_label_repeated_beside_each_child_names_the_group_not_the_row() -> None:
    # A merged (六)其他处理 cell spans its three rows (HTML rowspan, repeated on each row): the child's
    # label decides the row even when only it is inexact (3.其他情形 for 3.其他).
    rows = [
        ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 1),
        ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 2),
        ("3.其他情形", 4),
    ]
    text = "\n".join(f"| （六）其他处理 | {label} | {n} | 0 | 0 | 0 | 0 | 0 | {n} |" for label, n in rows)
    reading = _apps(text + "\n| （七）总计 | | 7 | 0 | 0 | 0 | 0 | 0 | 7 |")
    got = {
        k: reading.values[f"applications.{k}.total"].value
        for k in ("other_overdue_correction", "other_unpaid_fee", "other_other")
    }
    assert got == {"other_overdue_correction": 1, "other_unpaid_fee": 2, "other_other": 4}
    assert "applications.other_total.total" not in reading.values


def test_a_label_wrapped_over_two_lines_is_one_row_wherever_its_numbers_stand() -> None:
    # PDF text of a wrapped cell: the numbers beside the first piece, between the pieces, or beside
    # the last. Each piece alone is unsure (a fragment, or a label two rows share); joined they are
    # one row, matched as surely as if printed whole.
    row = "1 0 0 0 0 0 1"
    for head, tail in (("3.危及“三", "安全一稳定”"), ("二、上年结转政府", "信息公开申请数量")):
        for text in (f"{head} {row}\n{tail}", f"{head}\n{row}\n{tail}", f"{head}\n{tail} {row}"):
            reading = _apps(text + "\n4.保护第三方合法权益 0 0 0 0 0 0 0")
            fid = (
                "applications.denied_security_stability.total" if "危及" in head else "applications.carried_over.total"
            )
            assert reading.values[fid].value == 1 and not reading.values[fid].review, text
            assert not reading.problems, text


# 表四 one cell per line, cells a blank line apart, after a 表三 spaced the same way: an empty cell is
# a blank line of its own plus the gap (three blank lines between printed neighbours).
DISPUTES_15 = [2, 1, 0, 1, 4, 0, 0, 0, 0, 0, 3, 0, 2, 0, 5]


def _spaced_report(cells: list[str]) -> str:
    table = "\n".join("\n\n".join([label, *["1"] * 7]) for label in ("一、本年新收", "二、上年结转") * 3)
    return f"三、收到和处理政府信息公开申请情况\n{table}\n四、政府信息公开行政复议、行政诉讼情况\n" + "\n\n".join(cells)


def _disputes_of(text: str):
    n = normalize(text)
    start = n.text.index("四、")
    return read_disputes(n, start, len(n.text)), n


def test_disputes_empty_cells_shown_by_blank_lines_are_placed_there() -> None:
    # Zeros left blank inside the row: only the blank lines say which of the fifteen each number is.
    cells = ["" if v == 0 and k not in (2, 14) else str(v) for k, v in enumerate(DISPUTES_15)]
    cells = cells[: max(k for k, c in enumerate(cells) if c) + 1]  # trailing blanks leave no line
    r, _ = _disputes_of(_spaced_report(cells))
    fids = [f for f in r.values]
    assert len(fids) == 15
    got = [r.values[f].value for f in fids]
    assert [0 if v is None else v for v in got] == DISPUTES_15  # blanks left open are the reconciler's to derive
    assert all("blank lines" in (r.values[f].note or "") for f in fids)


def test_disputes_leading_empty_cells_shown_by_blank_lines_fix_where_the_row_begins() -> None:
    # Without the blank lines under the heading, R4 would allow this row to begin at any of three cells.
    values = [0, 0, 3, 0, 3, 1, 0, 0, 0, 1, 0, 0, 0, 2, 2]
    cells = ["" if v == 0 else str(v) for v in values]
    r, _ = _disputes_of(_spaced_report(cells[: max(k for k, c in enumerate(cells) if c) + 1]))
    assert [0 if v.value is None else v.value for v in r.values.values()] == values
    assert r.values["disputes.reconsideration.upheld"].value is None  # printed empty: the reconciler's


def test_disputes_blank_lines_that_fit_no_count_place_nothing() -> None:
    cells = [str(v) for v in DISPUTES_15 if v]
    text = _spaced_report(cells).replace("\n\n4", "\n\n\n\n\n4")  # 4 blank lines: not 1 + 2k
    r, _ = _disputes_of(text)
    assert not any("blank lines" in (v.note or "") for v in r.values.values())


def test_disputes_leading_empty_cells_on_lines_of_their_own_count() -> None:
    lines = ["" if v == 0 and k < 2 else str(v) for k, v in enumerate([0, 0, *DISPUTES_15[2:]])]
    text = "四、政府信息公开行政复议、行政诉讼情况\n" + "\n".join(f"{c} |" for c in lines)
    r, _ = _disputes_of(text)
    assert r.values["disputes.reconsideration.other"].value == 0  # the third cell, after two blank ones
    assert r.values["disputes.litigation_after_reconsideration.total"].value == 5
    assert r.values["disputes.reconsideration.upheld"].value is None  # printed empty: the reconciler's
