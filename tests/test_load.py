import pytest

from extractor.load import InputError, load_bytes, load_path, load_text


def test_gbk_report_is_decoded() -> None:
    text = "一、总体情况\n全年收到政府信息公开申请12件。\n" * 20
    doc = load_bytes(text.encode("gbk"), "r.txt")
    assert "收到政府信息公开申请12件" in doc.text
    assert doc.encoding in ("gb18030", "gbk", "gb2312")


def test_declared_charset_of_a_page_is_honoured() -> None:
    page = "<html><head><meta charset='gb2312'></head><body><p>行政复议</p></body></html>"
    assert "行政复议" in load_bytes(page.encode("gb18030"), "p.html").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02\x03binary\x00" * 100, "binary"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"PK\x03\x04zipped", "Word"),
    ],
)
def test_bad_input_gets_one_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_bytes(data, "bad")


def test_too_large_is_refused_before_reading(tmp_path) -> None:
    p = tmp_path / "huge.txt"
    p.write_bytes(b"a" * 2048)
    with pytest.raises(InputError, match="too large"):
        load_path(p, max_bytes=1024)


def test_html_tables_become_pipe_rows_and_scripts_go() -> None:
    doc = load_text(
        "<html><body><script>var a='<p>x</p>'</script><table><tr><td>规章</td><td>1</td></tr></table></body></html>"
    )
    assert doc.kind == "html"
    assert "| 规章 | 1 |" in doc.text
    assert "var a" not in doc.text


def test_html_inside_a_javascript_string() -> None:
    body = (
        "<p>一、总体情况</p>"
        + "<p>正文内容</p>" * 30
        + '<table border=\\"1\\"><tr><td>规章</td><td>13</td></tr></table>'
    )
    doc = load_text('let menu = [{"id": "1"}]\nlet content = "' + body + '"\n')
    assert doc.kind == "js-html"
    assert "| 规章 | 13 |" in doc.text
    assert '"id"' not in doc.text
