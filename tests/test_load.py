import pytest

from extractor.read.load import InputError, load_bytes, load_path, load_text


def test_gbk_report_is_decoded() -> None:
    text = "一、总体情况\n全年收到政府信息公开申请12件。\n" * 20
    doc = load_bytes(text.encode("gbk"), "r.txt")
    assert "收到政府信息公开申请12件" in doc.text
    assert doc.encoding in ("gb18030", "gbk", "gb2312")


@pytest.mark.parametrize("cut", [1, 2])
def test_a_utf8_file_cut_inside_its_last_character_is_read_up_to_it(cut: int) -> None:
    text = "一、总体情况\n全年收到政府信息公开申请12件。\n" * 20
    doc = load_bytes(text.encode("utf-8")[: -1 - cut], "cut.txt")  # its line break gone, its last 。 cut inside
    assert doc.encoding == "utf-8"
    assert doc.text == text[:-2]


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


SPANNED = """<html><body><table>
<tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>5</td><td>1</td></tr>
<tr><td>（二）部分公开</td><td colspan="2">2</td><td>&nbsp;</td></tr>
<tr><th colspan="2">四、结转下年度继续办理</th><td>0</td><td>0</td></tr>
</table></body></html>"""


def test_rowspan_puts_a_group_label_on_every_row_it_covers() -> None:
    lines = load_text(SPANNED).text.splitlines()
    assert lines[0] == "| 三、本年度办理结果 | （一）予以公开 | 5 | 1 |"
    assert lines[1].startswith("| 三、本年度办理结果 | （二）部分公开 |")


def test_a_colspan_cell_stands_once_so_later_cells_keep_their_place() -> None:
    lines = load_text(SPANNED).text.splitlines()
    assert lines[1] == "| 三、本年度办理结果 | （二）部分公开 | 2 |  |"
    assert lines[2] == "| 四、结转下年度继续办理 | 0 | 0 |"


def test_every_table_cell_has_an_anchor_with_its_element_path() -> None:
    doc = load_text(SPANNED)
    cells = [a for a in doc.anchors if doc.text[a.start : a.end].strip() == "2"]
    assert len(cells) == 1 and cells[0].path.endswith("/table/tr[2]/td[2]")
    blank = [a for a in doc.anchors if a.path.endswith("/tr[2]/td[3]")]
    assert len(blank) == 1 and doc.text[blank[0].start : blank[0].end].strip() == ""


def test_absurd_spans_are_capped() -> None:
    doc = load_text('<table><tr><td colspan="999999999">x</td><td rowspan="abc">1</td></tr></table>')
    assert "| x | 1 |" in doc.text


def test_row_and_cell_paths_are_the_ones_libxml2_writes() -> None:
    """Worked out from the table's path (getpath per cell re-counts its siblings): rows straight under
    the table and in several sections, th beside td, a comment among the cells, a lone row."""
    from lxml import etree

    from extractor.read.load import _html_parser, _row_and_cell_paths

    html = (
        "<html><body><div><table><tr><td>a</td></tr><tbody><tr><th>h</th><!-- c --><td>1</td><td>2</td></tr>"
        "<tr><td rowspan=2>x</td></tr></tbody><tbody><tr><td>q</td></tr></tbody><tfoot><tr><td>f</td><th>g</th>"
        "</tr></tfoot></table></div><table><tr><td>z</td></tr></table></body></html>"
    )
    root = etree.fromstring(html, _html_parser())
    tree = root.getroottree()
    for table in root.iter("table"):
        paths = _row_and_cell_paths(table, tree.getpath(table))
        assert paths and all(path == tree.getpath(el) for el, path in paths.items())
    assert len(_row_and_cell_paths(root.find(".//table"), "/t")) == 13  # 6 rows, 7 cells
