from extractor.core.numbers import Number, chinese_numeral, parse_cell


def value(text: str, kind: str = "count", unit: str = "件") -> object:
    parsed = parse_cell(text, kind, unit)  # type: ignore[arg-type]
    return parsed.value if isinstance(parsed, Number) else parsed


def test_plain_counts_and_thousands_separators() -> None:
    assert value("805") == 805
    assert value("1,234") == 1234
    assert value(" 12 ") == 12


def test_placeholders_are_blank_not_zero() -> None:
    for text in ("", "/", "-", "—", "无"):
        assert value(text) == "blank"


def test_units_convert_to_the_schema_unit() -> None:
    assert value("25.11万件") == 251100
    assert value("251000元", "money", "万元") == 25.1
    assert value("13.02亿元", "money", "万元") == 130200
    assert value("45414.84万元", "money", "万元") == 45414.84
    assert value("0.59", "money", "万元") == 0.59


def test_signed_changes() -> None:
    assert value("增744", "signed") == 744
    assert value("减少2", "signed") == -2
    assert value("-21", "signed") == -21
    assert value("+1036", "signed") == 1036


def test_negative_count_is_not_a_reading() -> None:
    assert value("-3") is None


def test_text_is_not_a_number() -> None:
    assert value("规章") is None
    assert value("3件（其中修订1件）") is None


def test_chinese_numerals() -> None:
    assert chinese_numeral("三") == 3
    assert chinese_numeral("十二") == 12
    assert chinese_numeral("三百零五") == 305
    assert chinese_numeral("两万三千") == 23000
    assert chinese_numeral("件") is None
