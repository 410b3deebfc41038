"""Read a Word (.docx) report (python-docx): paragraphs and tables in document order.

Tables are written on their grid like HTML ones: a cell merged down (vMerge) stands on every row it
covers, so group labels land on each of their rows; a cell merged across (gridSpan) stands once.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from extractor.core.errors import InputError
from extractor.read.render import Rendered, TextWriter

MAX_UNZIPPED = 200 * 1024 * 1024  # images included; more is a zip bomb
# The XML that python-docx parses whole: a report's document.xml is a few MB, and a 190 MB one took
# minutes to parse before anything could refuse it.
MAX_XML = 32 * 1024 * 1024


def render_docx(data: bytes) -> Rendered:
    _check_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile):
        raise InputError("zip file that is not a Word (.docx) document") from None
    except Exception as e:  # lxml and the OPC reader raise many types on a damaged part
        raise InputError(f"damaged Word document ({type(e).__name__})") from None
    writer = TextWriter()
    tables, pictures = 0, 0
    ocr = _ocr()
    try:
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                writer.text(block.text + "\n")
                for embed in block._p.xpath(".//a:blip/@r:embed") if ocr else ():
                    pictures += 1  # a table pasted as a picture: read where it stands
                    part = block.part.related_parts.get(embed)
                    if part is not None and hasattr(part, "blob"):
                        ocr.read_picture(part.blob, f"/w:body/w:drawing[{pictures}]", writer)
            elif isinstance(block, Table):
                tables += 1
                _write_table(block, writer, f"/w:body/w:tbl[{tables}]")
    except Exception as e:  # a damaged part read lazily: whatever python-docx or lxml call it
        raise InputError(f"damaged Word document ({type(e).__name__})") from None
    return writer.result()


def _ocr() -> Any:
    """The OCR reader when its extra is installed, else None (pictures then stay unread, as before)."""
    from extractor.read import ocr

    return ocr if ocr.available() else None


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise InputError("zip file that is not a Word (.docx) document")
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNZIPPED:
                raise InputError("Word document that unpacks to more than 200 MB; not a report")
            if sum(info.file_size for info in infos if info.filename.endswith((".xml", ".rels"))) > MAX_XML:
                raise InputError("Word document whose text unpacks to more than 32 MB; not a report")
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):
        # NotImplementedError: a damaged header asking for a zip version or method nobody implements
        raise InputError("damaged or truncated zip/Word (.docx) file") from None


def _write_table(table: Table, writer: TextWriter, prefix: str) -> None:
    for i, row in enumerate(table.rows, 1):
        cells: list[tuple[str, str | None]] = []
        previous = None
        # row.cells gives one cell per grid column: a cell merged across repeats (kept once), a
        # cell merged down is the top cell of its merge (kept on every row).
        for j, cell in enumerate(row.cells, 1):
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            cells.append((text, f"{prefix}/w:tr[{i}]/col[{j}]"))  # j: grid column
        writer.row(cells)
