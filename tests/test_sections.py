from extractor.rules.sections import split_sections


def test_six_sections_with_heading_variants() -> None:
    text = (
        "报告全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等。\n"
        "## 一、总体情况\n正文\n二、主动公开政府信息情况\n表\n三 、收到和处理政府信息公开申请情况\n表\n"
        "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况\n表\n五、存在问题及改进情况\n文\n六、其他需要报告的事项\n无\n"
    )
    sections = split_sections(text)
    assert list(sections) == ["general", "active", "applications", "disputes", "problems", "other"]
    assert sections["general"].text(text).strip() == "正文"
    assert sections["other"].text(text).strip() == "无"


def test_a_second_numbering_run_does_not_confuse_the_order() -> None:
    # Prose sections numbered 一–六 first, then the tables numbered again (sh_kewei-style layout).
    text = (
        "一、总体情况\n文\n三、主动公开工作情况\n文\n四、政府信息公开申请情况\n文\n"
        "一、主动公开政府信息情况\n表二\n二、收到和处理政府信息公开申请情况\n表三\n"
        "三、政府信息公开行政复议、行政诉讼情况\n表四\n五、其他需要报告的事项\n无\n"
    )
    sections = split_sections(text)
    assert sections["active"].text(text).strip() == "表二"
    assert sections["applications"].text(text).strip() == "表三"
    assert sections["disputes"].text(text).strip() == "表四"
    assert "problems" not in sections
