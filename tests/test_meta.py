from extractor.core.normalize import normalize
from extractor.rules.meta import detect_format, read_meta


def meta(text: str):
    return read_meta(normalize(text))


def test_title_gives_organ_and_year() -> None:
    m = meta("秦皇岛市行政审批局2020年政府信息公开工作年度报告\n发布时间:2021-01-20\n")
    assert m.organ.value == "秦皇岛市行政审批局"
    assert m.year.value == 2020
    assert m.published.value == "2021-01-20"


def test_year_before_organ_in_title() -> None:
    m = meta("2024 年上海市科委政府信息公开工作\n年度报告\n")
    assert m.organ.value == "上海市科委"
    assert m.year.value == 2024


def test_defaced_organ_goes_to_review() -> None:
    m = meta(
        "本年度报告由365bet平台客户端_速发365网址_bei365官网人民政府办公室编制。统计时间为2020年1月1日至2020年12月31日。"
    )
    assert m.organ.review and m.organ.confidence < 0.5
    assert m.year.value == 2020


def test_format_from_table_headers() -> None:
    assert detect_format(normalize("本年制发件数 本年废止件数"), True, 2019)[0] == "2021"
    assert detect_format(normalize("本年新制作数量 对外公开总数量"), True, 2022)[0] == "2019"
    assert detect_format(normalize("一、概述"), False, 2016)[0] == "legacy"


def test_a_real_sports_bureau_is_not_taken_for_defacement() -> None:
    m = meta("某市体育局2022年政府信息公开工作年度报告\n")
    assert m.organ.value == "某市体育局" and not m.organ.review


def test_publication_date_alone_on_its_line() -> None:
    assert meta("某某局2020年政府信息公开工作年度报告\n\n（2021年1月20日）\n正文").published.value == "2021-01-20"
    assert meta("2021-01-20\n某某局2020年政府信息公开工作年度报告").published.value == "2021-01-20"


def test_the_first_publication_date_wins_labelled_or_not() -> None:
    labelled_first = "某某局2020年政府信息公开工作年度报告\n发布日期：2021-01-20\n正文\n2021-03-01\n"
    alone_first = "某某局2020年政府信息公开工作年度报告\n2021-01-20\n正文\n发布日期：2021-03-01\n"
    assert meta(labelled_first).published.value == "2021-01-20"
    assert meta(alone_first).published.value == "2021-01-20"


def test_the_title_names_its_agency_even_without_a_listed_suffix() -> None:
    for title, organ in [
        ("苏州工业园区综合实验区2019年政府信息公开工作年度报告", "苏州工业园区综合实验区"),
        ("杭州市2019年政府信息公开工作年度报告", "杭州市"),
        ("首页>政务公开>某某新区管委会2020年政府信息公开工作年度报告", "某某新区管委会"),
        ("2022年南沙新区政府信息公开工作年度报告", "南沙新区"),
    ]:
        m = meta(title + "\n一、总体情况\n")
        assert m.organ.value == organ, title
        assert not m.organ.review


def test_an_older_title_without_zhengfu_is_a_title() -> None:
    m = meta("广州市地方税务局2013年信息公开年度报告\n")
    assert (m.organ.value, m.year.value) == ("广州市地方税务局", 2013)


def test_a_page_heading_above_the_title_is_not_the_agency() -> None:
    m = meta("正文\n2024 年某某区综合实验区政府信息公开工作\n年度报告\n")
    assert m.organ.value == "某某区综合实验区"
    m = meta("正文 2024 年某某综合实验区政府信息公开工作年度报告\n")  # the same, its line breaks lost
    assert m.organ.value == "某某综合实验区"


def test_a_sentence_that_names_the_report_gives_only_the_name_in_it() -> None:
    """The report named inside a sentence of its opening, not as a title line: the agency is the name
    in the sentence's last clause, after the verb that publishes it, never the sentence."""
    cases = [
        (
            "根据《中华人民共和国政府信息公开条例》规定，现公布泰州市人民政府2017年政府信息公开工作年度报告。",
            "泰州市人民政府",
            2017,
        ),
        ("按照《条例》要求，现将某某市交通运输局2019年政府信息公开工作年度报告公布如下。", "某某市交通运输局", 2019),
        ("依据《条例》第五十条，特发布将乐县人民政府2018年政府信息公开年度报告。", "将乐县人民政府", 2018),
    ]
    for text, organ, year in cases:
        m = meta("索引号：123\n" + text + "\n一、概述\n")
        assert (m.organ.value, m.year.value) == (organ, year), text


def test_titles_that_say_nianbao_or_put_the_year_last_are_titles() -> None:
    """ "…工作年报", and "政府信息公开工作年度报告（2022年）" with the agency before the words or alone on
    the next line; a next line that is no agency's name is not taken for one."""
    for text, organ, year in [
        ("某某县人民政府2020年政府信息公开工作年报\n一、总体情况\n", "某某县人民政府", 2020),
        ("某某区财政局政府信息公开工作年度报告(2022年度)\n一、总体情况\n", "某某区财政局", 2022),
        ("政府信息公开工作年度报告（2023年）\n某某市审计局\n一、总体情况\n", "某某市审计局", 2023),
        ("政府信息公开工作年度报告（2021年）\n一、总体情况\n", None, 2021),
        ("某某区教育局关于2022年度政府信息公开工作情况的报告\n一、总体情况\n", "某某区教育局", 2022),
    ]:
        m = meta(text)
        assert (m.organ.value, m.year.value) == (organ, year), text
        assert not m.year.review
    # 年报 in a sentence is no title: "对市县区2008年以来的政府信息公开年报，分别按年度进行公布"
    m = meta("某某市人民政府办公室\n对市县区2008年以来的政府信息公开年报，分别按年度进行公布。\n一、总体情况\n")
    assert m.year.review  # no title: the first year mentioned, in review


def test_a_year_in_chinese_numerals_is_the_year() -> None:
    # Formal titles print the year as 二〇二二 (〇 also as ○ or 零); prose elsewhere names other years.
    for title, year in [
        ("杭州市西湖区人民政府二〇二二年政府信息公开工作年度报告", 2022),
        ("杭州市西湖区人民政府二○一九年度政府信息公开工作年度报告", 2019),
        ("杭州市西湖区人民政府二零二一年政府信息公开工作年度报告", 2021),
    ]:
        m = meta(f"{title}\n一、总体情况\n2023年，本机关认真贯彻落实《条例》。\n")
        assert (m.organ.value, m.year.value) == ("杭州市西湖区人民政府", year), title
        assert not m.year.review


def test_the_agency_alone_on_the_line_below_a_title_that_names_none() -> None:
    for below in ("杭州市西湖区人民政府", "（杭州市西湖区人民政府）"):
        m = meta(f"2022年政府信息公开工作年度报告\n{below}\n一、总体情况\n")
        assert m.organ.value == "杭州市西湖区人民政府", below
    # A line that is no agency's name is not taken for one.
    assert meta("2022年政府信息公开工作年度报告\n根据《条例》，本局编制本报告。\n").organ.value is None
    assert meta("2022年政府信息公开工作年度报告\n发布时间：2023-01-20\n").organ.value is None


def test_brackets_and_quotation_marks_around_a_title_are_not_the_name() -> None:
    assert meta("【2023年】宁波市生态环境局政府信息公开工作年度报告\n").organ.value == "宁波市生态环境局"
    m = meta("关于印发《某某县2023年政府信息公开工作年度报告》的通知\n")
    assert (m.organ.value, m.year.value) == ("某某县", 2023)


def test_an_agency_name_keeps_its_brackets_as_printed() -> None:
    name = "中国（上海）自由贸易试验区临港新片区管理委员会"
    assert meta(f"{name}2023年政府信息公开工作年度报告\n").organ.value == name
    ascii_name = "中国(上海)自由贸易试验区临港新片区管理委员会"
    assert meta(f"{ascii_name}2023年政府信息公开工作年度报告\n").organ.value == ascii_name


def test_titles_that_say_zhengwu_gongkai_or_give_the_year_bare_in_brackets() -> None:
    for title in ("某某市财政局2022年政务公开工作年度报告", "某某市财政局政府信息公开工作年度报告（2022）"):
        m = meta(f"{title}\n一、总体情况\n")
        assert (m.organ.value, m.year.value) == ("某某市财政局", 2022), title
