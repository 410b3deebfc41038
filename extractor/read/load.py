"""Load a report file: bytes -> decoded text -> the report's text (HTML rendered as lines and `|` rows).

Bad input never gets past here silently: each problem raises InputError with one clear sentence.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

if TYPE_CHECKING:  # lxml and charset_normalizer are imported where used: a batch of UTF-8 text needs neither
    from lxml import etree

from extractor.core.errors import InputError
from extractor.read.render import SPACES, Anchor, Rendered, TextWriter

__all__ = ["Anchor", "Document", "InputError", "load_bytes", "load_path", "load_text", "read_bytes", "render_html"]

MAX_BYTES = 20 * 1024 * 1024  # a real report, even a bloated saved page, is a few MB at most
Kind = Literal["text", "html", "js-html", "pdf", "docx", "image"]
# Image files by their signature: PNG, JPEG, TIFF (both byte orders). Read by OCR (read/ocr.py).
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


@dataclass(frozen=True)
class Document:
    source: str
    kind: Kind
    text: str
    encoding: str
    content_hash: str
    anchors: tuple[Anchor, ...] = ()  # HTML, PDF, Word: where each table cell landed in `text`, and its element
    pages: tuple[int, ...] = ()  # PDF: offset in `text` where each page starts


def load_path(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    """A report file: a local path, or an fsspec URL (`s3://…`, `gcs://…`, `file://…`) read in place.
    A saved web page's pictures are read from beside it (its `_files` folder), as the browser saved them."""
    pictures = None if is_url(path) else _beside(Path(path))
    return load_bytes(read_bytes(path, max_bytes), display_name(path), max_bytes, pictures)


Pictures = Callable[[str], bytes | None]  # an <img>'s src -> the picture's bytes, or None


def _beside(page: Path) -> Pictures:
    """The pictures a saved page refers to by a relative path inside its own folder; nothing else (a
    hostile page must not make the reader open /etc/passwd or a file two folders up)."""

    def picture(src: str) -> bytes | None:
        if is_url(src) or src.startswith(("/", "data:")) or "?" in src:
            return None
        try:
            folder = page.resolve().parent  # resolved only for a page that has pictures
            target = (folder / unquote(src)).resolve()
            if not target.is_relative_to(folder) or not target.is_file() or target.stat().st_size > MAX_BYTES:
                return None
            return target.read_bytes()
        except (OSError, ValueError):
            return None

    return picture


URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
OFFLINE = "not fetched (xxgk works offline): save the page and give the saved file"


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and URL.match(source) is not None


def read_bytes(source: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a local file or of an fsspec URL, refused in one line when they cannot be a report."""
    if is_url(source):
        return _read_url(str(source), max_bytes)
    p = Path(source)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    if p.is_dir():
        raise InputError("is a directory")
    if size > max_bytes:
        raise InputError(f"too large for a report ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB limit)")
    try:
        return p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None


def _read_url(url: str, max_bytes: int) -> bytes:
    # Storage a cluster shares (object stores, a shared file system) through fsspec; the web is not
    # fetched: the tool works offline.
    if url.lower().startswith(("http://", "https://")):
        raise InputError(OFFLINE)
    try:
        import fsspec
    except ImportError:
        raise InputError("reading URLs needs fsspec: pip install 'xxgk-extractor[dask]'") from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
        if fs.isdir(path):
            raise InputError("is a directory")
        with fs.open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read: {e}") from None
    except ImportError as e:  # the file system's own package (s3fs, gcsfs) is missing
        raise InputError(f"cannot read: {e.name} is needed for this URL") from None
    if len(data) > max_bytes:
        raise InputError(f"too large for a report (> {max_bytes / 1e6:.0f} MB limit)")
    return data


def display_name(path: str | Path) -> str:
    """The path as text that can be written anywhere: a file name holding bytes that are not UTF-8
    (legal on Linux; Python keeps them as lone surrogates) shows them as escapes (bad\\xffname.txt)."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def load_bytes(
    data: bytes, source: str = "<bytes>", max_bytes: int = MAX_BYTES, pictures: Pictures | None = None
) -> Document:
    if len(data) > max_bytes:
        raise InputError(f"too large for a report ({len(data) / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB limit)")
    if not data.strip():
        raise InputError("empty file")
    content_hash = hashlib.sha256(data).hexdigest()
    if (structured := _load_structured(data)) is not None:
        kind, rendered = structured
        if not rendered.text.strip():
            what = {"pdf": "PDF", "docx": "Word document", "image": "image (OCR found none)"}.get(kind, kind)
            raise InputError(f"no text in the {what}")
        return Document(source, kind, rendered.text, "binary", content_hash, rendered.anchors, rendered.pages)
    if (wide := _utf16(data)) is not None:
        text, encoding = wide
    else:
        _reject_binary(data)
        text, encoding = decode(data)
    return load_text(text, source, encoding, content_hash, pictures)


def load_text(
    text: str,
    source: str = "<text>",
    encoding: str = "utf-8",
    content_hash: str | None = None,
    pictures: Pictures | None = None,
) -> Document:
    if content_hash is None:
        content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip():
        raise InputError("empty file")
    kind: Kind = "text"
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    rendered = Rendered(text)
    if head.startswith("<") or "<html" in head or "<body" in head:
        kind, rendered = "html", render_html(text, pictures)
    elif (embedded := _embedded_html(text)) is not None:
        # A script file holding the report's HTML in a string (`let content = "…"`).
        kind, rendered = "js-html", render_html(embedded)
    elif "<table" in text and "</td>" in text:
        kind, rendered = "html", render_html(text, pictures)
    if not rendered.text.strip():
        raise InputError("no text in the file")
    return Document(source, kind, rendered.text, encoding, content_hash, rendered.anchors)


def _load_structured(data: bytes) -> tuple[Kind, Rendered] | None:
    """PDF and Word files, recognised by their signature. Their readers load only when needed."""
    if data.lstrip(b"\r\n\t ")[:5] == b"%PDF-":
        from extractor.read.pdf import render_pdf

        return "pdf", render_pdf(data)
    if data.startswith(b"PK\x03\x04"):
        from extractor.read.word import render_docx

        return "docx", render_docx(data)
    if data.startswith(_IMAGE_SIGNATURES):
        from extractor.read.ocr import render_image

        return "image", render_image(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InputError("old binary Office file (.doc/.xls); save it as .docx or PDF first")
    return None


def _utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text (Windows "Unicode" saves), with a BOM or without one. Without, it shows as NULs in
    every other byte where the text has ASCII (digits, spaces, line breaks) and in none of the others."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        sample = data[:65536]
        even, odd = sample[0::2], sample[1::2]
        if not even or not odd:
            return None
        zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
        if zeros_odd > 0.1 and zeros_even < zeros_odd / 5:  # a CJK character may have one zero byte too
            encoding = "utf-16-le"
        elif zeros_even > 0.1 and zeros_odd < zeros_even / 5:
            encoding = "utf-16-be"
        else:
            return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InputError("binary file, not a report") from None
    if _control_ratio(text) > 0.05:
        raise InputError("binary file, not a report")
    return text.removeprefix("\ufeff"), encoding


def _reject_binary(data: bytes) -> None:
    sample = data[:65536]
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        raise InputError("binary file, not a report")


_DECLARED = re.compile(rb"""<meta[^>]+charset=["']?\s*([A-Za-z0-9_-]+)""", re.I)


def decode(data: bytes) -> tuple[str, str]:
    """Decode by BOM, strict UTF-8, the page's declared charset, or detection (GB2312/GBK/GB18030...)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.end == len(data):
            # A UTF-8 file cut off inside its last character (a download that stopped): read up to it.
            return data[: e.start].decode("utf-8"), "utf-8"
    declared = _DECLARED.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "gb18030") else name  # GB18030 is their superset
        try:
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(data, cp_isolation=None).best()
    if best is None:
        raise InputError("binary file, not a report (no text encoding fits)")
    encoding = best.encoding
    if encoding in ("gb2312", "gbk"):
        encoding = "gb18030"
    text = data.decode(encoding, errors="replace")
    if _control_ratio(text) > 0.05:
        raise InputError("binary file, not a report")
    return text, encoding


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / max(1, len(sample))


# ---------------------------------------------------------------- HTML
_DROP = {"script", "style", "noscript", "template", "head", "iframe", "svg", "button", "select", "option", "nav"}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header",
    "footer", "tr", "table", "tbody", "thead", "blockquote", "pre", "dd", "dt", "center", "form", "hr",
}  # fmt: skip


MAX_SPAN = 100  # a colspan/rowspan larger than this is a page's layout trick, not a table cell


def render_html(html: str, pictures: Pictures | None = None) -> Rendered:
    """Render HTML as the report's text: block elements as lines, each table row as `| a | b |`.

    Tables are laid out as a true grid: a cell with rowspan/colspan is repeated in every row and
    column it covers, so group labels and merged headers stand on every row they belong to.
    Keeps, for each table cell, its offsets in that text and its element path. With `pictures` (and
    the OCR extra), a table pasted into the page as a picture is read where the <img> stands.
    """
    from lxml import etree

    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    try:
        root = etree.fromstring(html, _html_parser())
    except (etree.ParserError, ValueError):
        raise InputError("HTML that cannot be parsed") from None
    if root is None:
        raise InputError("HTML that cannot be parsed")
    writer = TextWriter()
    _render(root, writer, root.getroottree(), pictures if pictures is not None and _ocr_available() else None)
    return writer.result()


@cache
def _html_parser() -> etree.HTMLParser:
    """libxml2's HTML parser with lxml's plain elements: lxml.html's element classes would call back
    into Python for every element made, and nothing here uses their methods."""
    from lxml import etree

    return etree.HTMLParser()


@cache
def _table_rows() -> etree.XPath:
    from lxml import etree

    return etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _ocr_available() -> bool:
    from extractor.read.ocr import available

    return available()


def _render(el: etree._Element, out: TextWriter, tree: etree._ElementTree, pictures: Pictures | None) -> None:
    tag = el.tag
    if tag.__class__ is not str or tag in _DROP:  # comments and processing instructions have no str tag
        if el.tail:
            out.text(el.tail)
        return
    if tag == "img" and pictures is not None and (data := pictures(el.get("src") or "")):
        from extractor.read.ocr import read_picture

        read_picture(data, tree.getpath(el), out)
    elif tag == "table":
        out.flush()
        paths = _row_and_cell_paths(el, tree.getpath(el))
        for row in _grid(el):
            out.row([(text, paths[cell]) for text, cell in row])
    else:
        block = tag in _BLOCK
        if block:
            out.text("\n")
        if el.text:
            out.text(el.text)
        for child in el:
            _render(child, out, tree, pictures)
        if block:
            out.text("\n")
    if el.tail:
        out.text(el.tail)


_SECTIONS = ("thead", "tbody", "tfoot")


def _row_and_cell_paths(table: etree._Element, path: str) -> dict[etree._Element, str]:
    """The XPath of every row and cell of `table` (at `path`), as libxml2's getpath writes it, worked
    out from the table's own path: getpath on each cell counts its siblings again every time."""
    paths: dict[etree._Element, str] = {}
    for section, at in [(table, path), *_child_paths(table, path, _SECTIONS)]:
        for tr, tr_path in _child_paths(section, at, ("tr",)):
            paths[tr] = tr_path
            paths.update(_child_paths(tr, tr_path, ("td", "th")))
    return paths


def _child_paths(parent: etree._Element, path: str, tags: tuple[str, ...]) -> list[tuple[etree._Element, str]]:
    """`parent`'s children named one of `tags`, each with its path: `name[k]` when siblings share the
    name, `name` alone when it has none (libxml2's rule)."""
    children = [c for c in parent if c.tag.__class__ is str]
    count: dict[str, int] = {}
    for c in children:
        count[c.tag] = count.get(c.tag, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for c in children:
        if c.tag not in tags:
            continue
        k = seen[c.tag] = seen.get(c.tag, 0) + 1
        out.append((c, f"{path}/{c.tag}[{k}]" if count[c.tag] > 1 else f"{path}/{c.tag}"))
    return out


def _grid(table: etree._Element) -> list[list[tuple[str, etree._Element]]]:
    """The table's rows laid out on its true grid, rowspan and colspan expanded.

    Each row lists the cells covering its grid slots, left to right: a cell spanning rows stands in
    every row it covers (group labels, merged headers). A cell spanning columns stands once per row:
    Word-exported pages give value cells colspans that their header row does not share, and a
    repeated value would shift the columns after it.
    """
    from lxml import etree

    rows: list[list[tuple[str, etree._Element]]] = []
    carried: dict[int, tuple[int, str, etree._Element]] = {}  # grid column -> (rows left, text, cell)
    for tr in _table_rows()(table):
        slots: list[tuple[str, etree._Element]] = []
        cells = iter([c for c in tr if c.tag == "td" or c.tag == "th"])
        while True:
            col = len(slots)
            if col in carried:
                left, text, el = carried.pop(col)
                if left > 1:
                    carried[col] = (left - 1, text, el)
                slots.append((text, el))
                continue
            cell = next(cells, None)
            if cell is None:
                if not any(c > col for c in carried):
                    break
                slots.append(("", tr))  # a hole left of a span that reaches further right
                continue
            text = etree.tostring(cell, method="text", encoding="unicode", with_tail=False)
            text = SPACES.sub(" ", text).strip()
            down = _span(cell, "rowspan")
            for _ in range(_span(cell, "colspan")):
                if down > 1:
                    carried[len(slots)] = (down - 1, text, cell)
                slots.append((text, cell))
        rows.append([slot for k, slot in enumerate(slots) if k == 0 or slot[1] is not slots[k - 1][1]])
    return rows


def _span(cell: etree._Element, attr: str) -> int:
    given = cell.get(attr)
    if given is None or given == "1":
        return 1
    try:
        return max(1, min(MAX_SPAN, int(given.strip() or 1)))
    except ValueError:
        return 1


# A JavaScript string literal holding the page's HTML (`let content = "<p>…</p>"`).
_JS_STRING = re.compile(r"""=\s*(["'])((?:\\.|(?!\1)[^\\\n])*<(?:p|table|div)[\s>](?:\\.|(?!\1)[^\\\n])*)\1""", re.S)


def _embedded_html(text: str) -> str | None:
    best = max((m for m in _JS_STRING.finditer(text)), key=lambda m: len(m.group(2)), default=None)
    if best is None or len(best.group(2)) < 200:
        return None
    body = best.group(2).replace("\\'", "'")
    try:
        return json.loads('"' + body.replace("\t", "\\t").replace('"', '\\"').replace('\\\\"', '\\"') + '"')
    except json.JSONDecodeError:
        return body.replace('\\"', '"').replace("\\n", "\n").replace("\\/", "/")
