import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from extractor.core.normalize import delete_spans, label_key, label_number, nfkc, normalize, simplified


def test_nfkc_full_width_digits_and_punctuation() -> None:
    n = normalize("收到申请１２件（含结转）")
    assert n.text == "收到申请12件(含结转)"


def test_spaces_inside_cjk_runs_are_removed_but_not_between_numbers() -> None:
    assert normalize("三 、 本 年 度 办 理 结 果").text == "三、本年度办理结果"
    assert normalize("申请 34 件").text == "申请34件"
    assert normalize("行政许可 1776 744 0").text == "行政许可1776 744 0"


def test_page_footers_are_dropped() -> None:
    # The whole line goes: an empty line left behind would count as an empty cell where cells stand
    # one per line a blank line apart.
    assert normalize("正文\n— 4 —\n继续").text == "正文\n继续"
    assert normalize("— 1 —\n正文").text == "\n正文"  # the first line: its break stays (offsets start at 0)


def test_offsets_point_back_into_the_original() -> None:
    original = "一、总体情况\n三 、 本 年 度 收到申请 ３４ 件"
    n = normalize(original)
    i = n.text.index("34")
    s, e = n.source_span(i, i + 2)
    assert original[s:e] == "３４"


@given(st.text(alphabet=st.sampled_from(list("申请件年度 　\n0123456789１２３|、，（）—")), max_size=80))
def test_every_normalised_character_comes_from_its_original(text: str) -> None:
    n = normalize(text)
    for i, ch in enumerate(n.text):
        src = text[n.to_original(i)]
        assert unicodedata.normalize("NFKC", src.replace("\u3000", " ")) in (ch, " ") or ch == src


def test_label_keys_ignore_numbering_width_and_separators() -> None:
    assert label_key("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == label_key(
        "部分公开 (区分处理的, 只计这一情形, 不计其他情形)"
    )
    assert label_key("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请") == label_key(
        "1. 申请人无正当理由逾期不补正, 行政机关不再处理其政府信息公开申请"
    )
    assert label_key("3.危及“三安全一稳定”") == label_key('3.危及"三安全一稳定"')
    assert label_number("（七）总计") == "七"
    assert label_number("3.其他") == "3"
    assert label_number("总计") is None


def test_inverse_maps_source_positions_into_the_derived_text() -> None:
    text, m = delete_spans("ab  cd\nef", [(2, 4)])
    assert text == "abcd\nef"
    assert [m.inverse(p) for p in (0, 1, 4, 5, 8)] == [0, 1, 2, 3, 6]  # kept characters
    assert m.inverse(2) == m.inverse(3) == 2  # a deleted character: where the deletion is
    assert all(m(m.inverse(p)) == p for p in (0, 1, 4, 5, 6, 7, 8))


def test_fast_nfkc_is_nfkc_for_every_character() -> None:
    differ = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and nfkc(chr(cp)) != unicodedata.normalize("NFKC", chr(cp))
    ]
    assert differ == []


# Characters that compose with what comes before them (combining marks, Hangul jamo) mixed with ones
# that decompose under NFKC (full-width forms, ligatures, circled numbers) and plain Chinese text.
_MIXED = st.text(
    st.sampled_from(
        [chr(c) for c in range(0x300, 0x370)] + [chr(c) for c in range(0x1100, 0x1200)]
        + list("AaeoEuç한글가각ＡＢ１２（），：ﬁ①⑴…㎡\u3000") + list("申请公开件年度政府信息")
    ),
    max_size=12,
)  # fmt: skip


@given(_MIXED)
def test_fast_nfkc_is_nfkc_where_characters_compose(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_windows_and_old_mac_line_ends_are_one_line_end_and_offsets_map_back() -> None:
    for original in ("一、总体情况\r\n收到申请 ３４ 件。\r\n", "一、总体情况\r收到申请 ３４ 件。\r"):
        n = normalize(original)
        assert n.text == "一、总体情况\n收到申请34件。\n"
        s, e = n.source_span(n.text.index("34"), n.text.index("34") + 2)
        assert original[s:e] == "３４"


def test_traditional_chinese_is_read_in_simplified_characters_at_the_same_offsets() -> None:
    original = "一、總體情況\n本年度收到政府信息公開申請１２件，均已按時答復。"
    n = normalize(original)
    assert n.text == "一、总体情况\n本年度收到政府信息公开申请12件,均已按时答复。"
    at = n.text.index("公开申请")
    s, e = n.source_span(at, at + 4)
    assert original[s:e] == "公開申請"


def test_simplified_text_is_left_alone() -> None:
    text = "本年度收到政府信息公开申请12件,发布规范性文件3件。"
    assert simplified(text) is text  # the converter is not even called


def test_pinyin_a_mirror_prints_after_each_character_is_dropped_and_offsets_survive() -> None:
    original = "全年共受理依申請(qǐng)公開(kāi)申請(qǐng)1234件，辦(bàn)結(jié)1200件。附件(PDF)與條款(a)照舊。"
    n = normalize(original)
    assert "依申请公开申请1234件,办结1200件" in n.text
    assert "附件(PDF)与条款(a)" in n.text  # brackets without a toned syllable are text
    at = n.text.index("1200")
    start, end = n.source_span(at, at + 4)
    assert original[start:end] == "1200"
