"""Scanned reports read by OCR (extractor/read/ocr.py): an image-only PDF, an image file, a table pasted
into a web page or a Word file as a picture. Kept few and small: OCR costs seconds per page here.

The scans are the corpus's own renderings (tests/documents.py) printed and scanned with damage
(tests/scans.py); each is checked against the same pages read from their text layer, so the test
holds whatever the report says: OCR reads what the text layer reads, or flags it, never silently
anything else.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from extractor import extract
from extractor.core import confidence as tier
from extractor.core.schema import Report, Value
from extractor.read import ocr
from extractor.read.load import InputError, load_bytes, load_path
from extractor.read.render import Anchor
from tests.conftest import CORPUS
from tests.documents import blocks_of, to_pdf
from tests.scans import DAMAGE, to_image, to_scan

pytestmark = pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")
REPORT = CORPUS / "real" / "sh_office_2019.txt"  # a 2019-format report whose tables leave cells blank


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """The report as a PDF with a text layer, and its pages that print a table (plus the title page)."""
    pdf = to_pdf(blocks_of(REPORT), tmp_path_factory.mktemp("ocr") / "report.pdf")
    doc = load_path(pdf)
    starts = [*doc.pages, len(doc.text)]
    tables = [n for n, (a, b) in enumerate(pairwise(starts), 1) if "\n| " in doc.text[a:b]]
    return pdf, [1, *tables]


def _part(pdf: Path, pages: list[int], target: Path) -> Path:
    """The same pages as a PDF with a text layer: what OCR should read."""
    import pypdfium2

    src, out = pypdfium2.PdfDocument(str(pdf)), pypdfium2.PdfDocument.new()
    out.import_pages(src, [n - 1 for n in pages])
    out.save(str(target))
    return target


def _fields(report: Report) -> dict[str, Value]:
    return {fid: v for fid, v in report.fields() if fid.startswith(("applications.", "disputes.", "active."))}


@pytest.fixture(scope="module")
def scanned(printed: tuple[Path, list[int]], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    """Those pages scanned at 200 dpi with the heaviest damage (benchmarks/ocr.py measures the others)."""
    pdf, pages = printed
    scan = to_scan(pdf, tmp_path_factory.mktemp("scan") / "scan.pdf", 200, DAMAGE["heavy"], pages=pages)
    return scan, extract(scan)


def test_a_scan_reads_as_its_text_layer_or_flags(
    printed: tuple[Path, list[int]], scanned: tuple[Path, Report], tmp_path: Path
) -> None:
    pdf, pages = printed
    text_layer = _fields(extract(_part(pdf, pages, tmp_path / "part.pdf")))
    scan, report = scanned
    scanned = _fields(report)
    assert load_path(scan).kind == "pdf"
    silent = [f for f, v in text_layer.items() if scanned[f].value != v.value and not scanned[f].review]
    assert silent == []
    same = sum(scanned[f].value == v.value for f, v in text_layer.items() if v.value is not None)
    assert same >= 0.99 * sum(v.value is not None for v in text_layer.values())
    cells = [v for v in scanned.values() if v.source == "ocr"]
    assert len(cells) > 40  # this report leaves most cells blank: those are derived or blank, not read
    assert all(ev.path and "/ocr/box[" in ev.path and ev.page for v in cells for ev in v.evidence)


def test_an_image_file_is_read(printed: tuple[Path, list[int]], tmp_path: Path) -> None:
    pdf, pages = printed
    png = to_image(pdf, tmp_path / "table.png", 200, DAMAGE["light"], pages[1])
    doc = load_path(png)
    assert doc.kind == "image"
    rows = [line for line in doc.text.split("\n") if line.startswith("| ")]
    assert len(rows) >= 5
    scored = [a for a in doc.anchors if a.confidence is not None]
    assert scored and all(a.path.startswith("/page[1]/ocr/box[") for a in scored)


def test_a_table_pasted_as_a_picture_is_read_in_a_saved_page_and_a_word_file(
    printed: tuple[Path, list[int]], tmp_path: Path
) -> None:
    pdf, pages = printed
    png = to_image(pdf, tmp_path / "t.png", 200, DAMAGE["light"], pages[1])
    (tmp_path / "page_files").mkdir()
    shutil.copy(png, tmp_path / "page_files" / "table.png")
    shutil.copy(png, tmp_path.parent / "outside.png")
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><p>三、收到和处理政府信息公开申请情况</p><img src='page_files/table.png'>"
        "<img src='../outside.png'><img src='/etc/hostname'><img src='page_files/missing.png'></body></html>",
        "utf-8",
    )
    html = load_path(page)
    rows = [line for line in html.text.split("\n") if line.startswith("| ")]
    assert len(rows) >= 5  # read once: the picture outside the page's folder is not opened
    assert html.text.count(rows[0]) == 1
    assert all(a.path.startswith("/html/body/img[1]/ocr/box[") for a in html.anchors)
    # Given as bytes, a page has no folder: its pictures stay unread.
    assert "| " not in load_bytes(page.read_bytes(), "page.html").text

    import docx

    word = docx.Document()
    word.add_paragraph("三、收到和处理政府信息公开申请情况")
    word.add_picture(str(png))
    word.save(str(tmp_path / "report.docx"))
    assert [line for line in load_path(tmp_path / "report.docx").text.split("\n") if line.startswith("| ")] == rows


def test_a_table_pasted_as_a_picture_into_a_pdf_with_text_is_read_where_it_stands(
    printed: tuple[Path, list[int]], tmp_path: Path
) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from tests.documents import FONT

    pdf, pages = printed
    png = to_image(pdf, tmp_path / "t.png", 200, DAMAGE["light"], pages[1])
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    target = tmp_path / "mixed.pdf"
    page = canvas.Canvas(str(target), pagesize=(842, 595))
    page.setFont(FONT, 12)
    page.drawString(40, 560, "三、收到和处理政府信息公开申请情况")  # the text layer
    page.drawImage(str(png), 20, 20, width=800, height=520)  # the table, as a picture below it
    page.drawString(40, 8, "以上为表格截图")
    page.save()
    doc = load_path(target)
    lines = doc.text.split("\n")
    heading = lines.index("三、收到和处理政府信息公开申请情况")
    rows = [k for k, line in enumerate(lines) if line.startswith("| ")]
    assert len(rows) >= 5 and heading < rows[0] < rows[-1] < lines.index("以上为表格截图")
    scored = [a for a in doc.anchors if a.confidence is not None]
    assert scored and all(a.page == 1 and a.path.startswith("/page[1]/ocr/box[") for a in scored)
    # The boxes are in the page's points, inside the picture's place on the page.
    x0, y0, x1, y1 = (float(v) for v in scored[0].path.split("box[")[1].rstrip("]").split(","))
    assert 20 <= x0 < x1 <= 820 and 55 <= y0 < y1 <= 575


def test_recognition_doubt_goes_to_review_unless_an_identity_confirms() -> None:
    from extractor.core.schema import Identity, Span
    from extractor.pipeline import _ocr_doubts

    anchors = (
        Anchor(0, 3, "/page[1]/ocr/box[0,0,9,9]", 1, 0.55),  # a cell of its own, doubtful
        Anchor(3, 6, "/page[1]/ocr/box[9,0,19,9]", 1, 0.99),  # a cell of its own, sure
        Anchor(6, 20, "/page[1]/ocr/box[19,0,99,9]", 1, 0.99),  # a recognised line: `行政收费|31|0|`
        Anchor(20, 22, "/page[1]/ocr/box[99,0,109,9]", 1, 0.99, cell=False),  # a line of its own: `01`
    )

    def cell(at: int, rules: tuple[str, ...] = ()) -> Value:
        return Value(3, "parsed", "table_cell", [Span(at, at + 1, at, at + 1, "3")], 0.97, "3", rules)

    doubtful, confirmed, sure, inline, alone = cell(1), cell(1, ("R1:PASS",)), cell(4), cell(12), cell(20)
    rule = Identity("R1", ("b",), ("c",))  # b = c, and c was read from its own cell
    _ocr_doubts({"a": doubtful, "b": confirmed, "c": sure, "d": inline, "e": alone}, anchors, (rule,))
    assert doubtful.review and doubtful.confidence <= tier.REVIEW_CAP and doubtful.source == "ocr"
    assert not confirmed.review and confirmed.confidence == 0.97
    assert not sure.review and sure.confidence == tier.OCR_UNCHECKED
    assert inline.review == ["read by OCR from a line of text, not from a cell of its own; no identity confirms it"]
    assert alone.review == inline.review  # `0 |` typed as text, recognised as 01: not a cell either


def test_an_identity_confirms_only_with_cells_read_not_derived() -> None:
    from extractor.core.schema import Identity, Span
    from extractor.pipeline import _ocr_doubts

    anchors = (Anchor(0, 3, "/page[1]/ocr/box[0,0,9,9]", 1, 0.55),)
    rule = Identity("R3[x]", ("t",), ("a", "b"))
    read = Value(2, "parsed", "table_cell", [Span(1, 2, 1, 2, "2")], 0.97, "2", ("R3[x]:PASS",))
    derived_total = Value(2, "derived", "rule", [], 0.98)  # a blank total the arithmetic filled from `read`
    zero = Value(0, "derived", "rule", [], 0.98)
    _ocr_doubts({"a": read, "b": zero, "t": derived_total}, anchors, (rule,))
    assert read.review  # R3 holds only because its total was derived from this very cell


def test_an_identity_confirms_only_with_cells_that_keep_their_own_sums() -> None:
    """A scan's row that lost an empty cell's `|` puts its numbers one column off, and the rows below
    it the same way: the column identity then balances on the same wrong cells. A facing cell whose
    own row sum fails confirms nothing."""
    from extractor.core.schema import Identity, Span
    from extractor.pipeline import _ocr_doubts

    anchors = (Anchor(0, 20, "/page[1]/ocr/box[19,0,99,9]", 1, 0.99),)  # a recognised line: `|9|||`
    rule = Identity("R1[x]", ("new.x",), ("done.x",))  # new = done, column x

    def done_cell() -> Value:
        return Value(9, "parsed", "table_cell", [Span(4, 5, 4, 5, "9")], 0.97, "9", ("R1[x]:PASS",))

    done = done_cell()
    shifted = Value(9, "source_inconsistent", "table_cell", [Span(40, 41, 40, 41, "9")], 0.5, "9", ("R3[new]:FAIL",))
    _ocr_doubts({"done.x": done, "new.x": shifted}, anchors, (rule,))
    assert done.review == ["read by OCR from a line of text, not from a cell of its own; no identity confirms it"]
    done = done_cell()
    held = Value(9, "parsed", "table_cell", [Span(40, 41, 40, 41, "9")], 0.97, "9", ("R3[new]:PASS",))
    _ocr_doubts({"done.x": done, "new.x": held}, anchors, (rule,))
    assert done.source == "ocr" and not done.review


def test_a_misread_that_breaks_an_identity_only_through_a_derived_cell_goes_to_review() -> None:
    from extractor.core.schema import Identity, Span
    from extractor.pipeline import _ocr_doubts

    # A 7 read as 1 in both cells of a row (R3 holds), feeding a derived group total that breaks R2.
    anchors = (Anchor(0, 3, "/page[1]/ocr/box[0,0,9,9]", 1, 0.99), Anchor(3, 6, "/page[1]/ocr/box[9,0,19,9]", 1, 0.99))
    row = Identity("R3[fee]", ("fee.total",), ("fee.a",))
    group = Identity("R2.6[a]", ("group.a",), ("fee.a",))
    part = Value(1, "parsed", "table_cell", [Span(1, 2, 1, 2, "1")], 0.995, "1", ("R3[fee]:PASS", "R2.6[a]:PASS"))
    total = Value(1, "parsed", "table_cell", [Span(4, 5, 4, 5, "1")], 0.995, "1", ("R3[fee]:PASS",))
    note = "forced by R2.6[a]; printed nothing"  # as the reconciler writes it
    derived = Value(1, "derived", "rule", [], 0.6, None, ("R2[a]:FAIL", "R2.6[a]:PASS", "R9[a]:PASS"), note=note)
    # A cell of the column in another identity with the group total, which it did not help derive.
    beside = Identity("R9[a]", ("column.a",), ("group.a", "granted.a"))
    granted = Value(1, "parsed", "table_cell", [Span(1, 2, 1, 2, "1")], 0.995, "1", ("R9[a]:PASS",))
    cells = {"fee.a": part, "fee.total": total, "group.a": derived, "granted.a": granted}
    _ocr_doubts(cells, anchors, (row, group, beside))
    assert part.review == ["read by OCR; R2[a] fails through group.a, derived with this cell"]
    assert not granted.review


def test_scans_saved_as_images_are_read_when_named_by_a_pattern(tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "reports"
    folder.mkdir()
    Image.new("L", (400, 300), 255).save(folder / "blank.png")  # a scan of an empty page
    (folder / "report.txt").write_text(REPORT.read_text("utf-8"), "utf-8")
    out = tmp_path / "out.jsonl"

    def run(*inputs: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "extractor.cli", "extract", *inputs, "-o", str(out), "--flat", "--no-progress"]
        return subprocess.run(cmd, capture_output=True, text=True)

    folder_run = run(str(folder))  # a folder's pictures are logos and photos more often than scans
    assert folder_run.returncode == 0 and "1 .png (a picture: name it" in folder_run.stderr
    pattern_run = run(str(folder / "*.png"))  # a pattern naming pictures asks for them
    assert sum("blank.png" in line for line in pattern_run.stderr.splitlines()) == 1, pattern_run.stderr
    assert "no text in the image (OCR found none)" in pattern_run.stderr


def test_without_the_extra_a_scan_names_it(printed: tuple[Path, list[int]], tmp_path: Path) -> None:
    pdf, pages = printed
    scan = to_scan(pdf, tmp_path / "scan.pdf", 150, DAMAGE["clean"], pages=pages[:1])
    png = to_image(pdf, tmp_path / "page.png", 100, DAMAGE["clean"], 1)
    code = (
        "import sys\n"
        "sys.modules['rapidocr_onnxruntime'] = None\n"  # as if the extra were not installed
        "from extractor.read.load import load_path, InputError\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        load_path(path)\n"
        "    except InputError as e:\n"
        "        print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(scan), str(png)], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all("xxgk-extractor[ocr]" in line for line in lines), out


def test_a_damaged_image_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="image"):
        load_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png")


def test_the_core_install_does_not_load_the_ocr_stack(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom extractor import extract\n"
        f"extract({str(REPORT)!r})\n"
        "print(sorted(m for m in ('cv2', 'onnxruntime', 'rapidocr_onnxruntime') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_the_review_shows_the_scanned_box_beside_the_value(scanned: tuple[Path, Report], tmp_path: Path) -> None:
    from urllib.request import urlopen

    from tests.test_review_app import Server

    _, report = scanned
    results = tmp_path / "results.jsonl"
    results.write_text(report.model_dump_json() + "\n", "utf-8")
    server = Server(results, tmp_path / "reviews.sqlite")
    try:
        queue = server.app.state.queue
        n = next(
            k for k, it in enumerate(queue) if any("/ocr/box[" in (e.path or "") for e in report.get(it.field).evidence)
        )
        page = urlopen(f"{server.url}/item/{n}").read().decode()
        assert f'id="crop" src="/crop/{n}"' in page
        png = urlopen(f"{server.url}/crop/{n}").read()
        assert png.startswith(b"\x89PNG")
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:  # the row around the box, not the whole page
            assert 100 < image.width < 1200 and 30 < image.height < 400
    finally:
        server.stop()


def test_ocr_threads_are_the_process_share_of_the_cores(monkeypatch) -> None:
    """`-j N` workers each run cores // N onnxruntime threads (set by the batch), never fewer than one."""
    from extractor.read import ocr
    from extractor.results.batch import _worker_start

    monkeypatch.delenv(ocr.THREADS_ENV, raising=False)
    assert 1 <= ocr.threads() <= ocr.MAX_THREADS
    monkeypatch.setattr("extractor.results.batch.limit_memory", lambda: None)
    monkeypatch.setattr("extractor.results.batch.settle_collector", lambda: None)
    _worker_start(3)
    assert ocr.threads() == 3
    monkeypatch.setenv(ocr.THREADS_ENV, "0")
    assert ocr.threads() == 1


def test_a_pale_hairline_beside_digits_is_a_rule_not_a_one() -> None:
    """A typed `|` or a ruling line blurs to a grey hairline that the recogniser reads as one more 1
    ("0 |" as 01); a printed 1 is as dark as the digits beside it and stays a digit."""
    import numpy as np

    crop = np.full((28, 40), 255, dtype=np.uint8)
    crop[4:24, 5:13] = 40  # a digit's ink
    crop[2:27, 20:22] = 180  # a grey hairline, apart by white
    assert ocr._stroke_runs(crop, ink=60.0) == [(5, 12, False), (20, 21, True)]
    crop[2:27, 20:22] = 50  # as dark as the text: a 1
    assert ocr._stroke_runs(crop, ink=60.0) is None
    wide = np.full((28, 40), 255, dtype=np.uint8)
    wide[4:24, 5:13] = 40
    wide[4:24, 20:28] = 180  # pale but as wide as a digit: a faint digit, not a hairline
    assert ocr._stroke_runs(wide, ink=60.0) is None


def test_a_dark_stroke_reaching_past_the_digits_is_a_rule_not_a_one() -> None:
    """A sharp scan prints a typed `|` as dark as the digits: it is told from a 1 by its reach, below
    the digits' baseline (a `|` descends) or across the whole line (a ruling line)."""
    import numpy as np

    crop = np.full((36, 40), 255, dtype=np.uint8)
    crop[5:28, 5:17] = 0  # a digit, on the baseline at row 27
    crop[5:35, 27:29] = 0  # a stroke as dark, descending 7 rows below it
    assert ocr._stroke_runs(crop, ink=0.0) == [(5, 16, False), (27, 28, True)]
    crop[5:35, 27:29] = 255
    crop[5:28, 27:29] = 0  # standing on the same baseline: a 1 (too thin for one, but not a rule)
    assert ocr._stroke_runs(crop, ink=0.0) is None


def test_strokes_with_no_digit_beside_them_are_rules() -> None:
    """`| ||` read as [1 or 川: strokes all too thin for a digit are the empty cells' pipes."""
    import numpy as np

    crop = np.full((36, 40), 255, dtype=np.uint8)
    for x in (5, 20, 26):
        crop[4:33, x : x + 2] = 0
    assert ocr._stroke_runs(crop, ink=0.0) == [(5, 6, True), (20, 21, True), (26, 27, True)]


def test_a_label_joined_to_its_cells_keeps_its_text_and_its_pipes_are_rules() -> None:
    """The detector joins `事项 | 0 |` into one box, read 事项|00 or 事项0: the strokes after the label's
    last character (where the recogniser puts it) are cut apart as if they stood alone."""
    import numpy as np

    crop = np.full((36, 80), 255, dtype=np.uint8)
    crop[3:32, 2:28] = 0  # a Chinese character, the label's last
    crop[3:34, 38:40] = 0  # |
    crop[6:28, 48:60] = 0  # 0
    crop[3:34, 70:72] = 0  # |
    head, start, runs = ocr._hairline_plan("事项|00", crop, 0.0, label_end=29.0)
    assert (head, start) == ("事项", 38)
    assert [(start + lo, start + hi, hair) for lo, hi, hair in runs] == [
        (38, 39, True),
        (48, 59, False),
        (70, 71, True),
    ]
    # a label read to its end whose box holds no stroke after it is left as read
    assert ocr._hairline_plan("事项", crop[:, :30], 0.0, label_end=29.0) is None
    # text ending in narrow punctuation is read already: not cut
    assert ocr._hairline_plan("如下：", crop, 0.0, label_end=29.0) is None


def test_ink_the_detector_passed_over_is_read(monkeypatch) -> None:
    """A lone `|` (an empty cell printed as a pipe) or a lone digit is too small for the detector:
    ink of a line's height outside every box is read, a thin stroke as `|`; ink a box covers, and
    specks, are not read again."""
    import numpy as np

    gray = np.full((200, 400), 255, dtype=np.uint8)
    gray[20:48, 20:200] = 0  # a line the detector found
    gray[80:108, 30:32] = 0  # a lone | below it
    gray[140:162, 50:62] = 0  # a lone digit
    gray[180:182, 300:302] = 0  # a speck
    asked: list[tuple[int, int]] = []

    def recognise(images: list[np.ndarray]) -> list[tuple[str, float]]:
        asked.extend(im.shape[:2] for im in images)
        return [("0", 0.9) for _ in images]

    monkeypatch.setattr(ocr, "_recognise_lines", recognise)
    found = ocr._missed_ink(gray, [ocr.Box(16, 16, 204, 52, "规章", 0.99)])
    assert [(b.text, int(b.x0), int(b.y0)) for b in found] == [("|", 30, 80), ("0", 50, 140)]
    assert asked == [(22 + 2 * ocr._PAD, 12 + 2 * ocr._PAD)]  # the digit alone went to the recogniser
