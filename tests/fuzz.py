"""Hostile inputs for every reader, and the accounting of a batch run over them.

`write_inputs(directory, count, seed)` mutates real inputs (the corpus's text, Markdown and HTML
reports, and their PDF and Word renderings) the ways damaged and hostile files differ: bytes flipped,
cut off, characters and NULs inserted, lines duplicated and deleted, a 1 MB line, HTML nested
10,000 deep or never closed, a wrong charset declared, UTF-16 with and without BOM, random bytes
under each extension; and a few pathological files of their own: a zip bomb named .docx, a PDF of
thousands of pages. `account(...)` then says, of a batch run over them, what crashed, hung, was lost
or was written twice.

Used by tests/test_fuzz.py (a small slice in CI) and benchmarks/fuzz.py (the long run).
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tests.conftest import corpus_reports

Mutator = Callable[[random.Random, bytes, str], tuple[bytes, str]]
CJK = "政府信息公开申请行政复议诉讼年度报告表三本年新收结转下年度继续办理〇一二三四五六七八九十"
EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


@cache
def seeds() -> tuple[tuple[bytes, str], ...]:
    """The real inputs mutated: each corpus report as published, and as PDF and Word files."""
    from tests.documents import blocks_of, to_docx, to_pdf

    out = [(p.read_bytes(), p.suffix) for p in corpus_reports()]
    tmp = Path(__import__("tempfile").mkdtemp(prefix="xxgk-fuzz-"))
    for p in corpus_reports()[:3]:
        blocks = blocks_of(p)
        out.append((to_pdf(blocks, tmp / f"{p.stem}.pdf").read_bytes(), ".pdf"))
        out.append((to_docx(blocks, tmp / f"{p.stem}.docx").read_bytes(), ".docx"))
    return tuple(out)


def flip_bytes(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    b = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b), ext


def truncate(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    return data[: rng.randrange(len(data))], ext


def insert_characters(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    text = data.decode("utf-8", "replace") if ext not in (".pdf", ".docx") else None
    if text is None:
        return flip_bytes(rng, data, ext)
    chars = list(text)
    pool = [CJK, "abcXYZ<>&;|#=-— \t", "\x00\x01\x07\x0b\x0c\x1b\x7f\u200b\ufeff\u202e\ud7ff"]
    for _ in range(rng.randint(1, 200)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(rng.choice(pool)))
    return "".join(chars).encode("utf-8", "surrogatepass"), ext


def shuffle_lines(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 30)):
        k = rng.randrange(len(lines))
        if rng.random() < 0.5:
            lines.insert(k, lines[rng.randrange(len(lines))])
        elif len(lines) > 1:
            del lines[k]
    return b"\n".join(lines), ext


def long_line(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    lines = [ln for ln in data.split(b"\n") if ln.strip()] or [b"x"]
    unit = rng.choice(lines) + rng.choice([b"", b" ", b"|"])
    return data + b"\n" + unit * (1_000_000 // len(unit) + 1), ".txt"


def deep_html(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    tag = rng.choice([b"div", b"table", b"td", b"span", b"b"])
    body = data if ext in (".html", ".htm") else b"<p>" + data + b"</p>"
    close = b"" if rng.random() < 0.5 else b"</" + tag + b">" * 10_000
    return b"<html><body>" + (b"<" + tag + b">") * 10_000 + body + close, ".html"


def unclosed_html(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    text = data.replace(b"</td>", b"").replace(b"</tr>", b"").replace(b"</table>", b"")
    return b"<html><body><table><tr><td>" + text, ".html"


def wrong_charset(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    text = data.decode("utf-8", "replace")
    declared, actual = rng.choice([("gbk", "utf-8"), ("utf-8", "gb18030"), ("big5", "utf-8"), ("utf-16", "utf-8")])
    head = f'<html><head><meta charset="{declared}"></head><body><pre>'
    return (head + text + "</pre></body></html>").encode(actual, "replace"), ".html"


def utf16(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    text = data.decode("utf-8", "replace")
    encoding = rng.choice(["utf-16", "utf-16-le", "utf-16-be"])  # "utf-16" writes a BOM; the others none
    return text.encode(encoding), ext if ext in (".txt", ".md", ".html", ".htm") else ".txt"


def random_bytes(rng: random.Random, data: bytes, ext: str) -> tuple[bytes, str]:
    return rng.randbytes(rng.choice([1, 100, 5000, 200_000])), rng.choice(EXTENSIONS)


MUTATORS: tuple[Mutator, ...] = (
    flip_bytes, truncate, insert_characters, shuffle_lines, long_line, deep_html, unclosed_html,
    wrong_charset, utf16, random_bytes,
)  # fmt: skip


def zip_bomb(mb: int = 300) -> bytes:
    """A .docx whose document.xml unpacks to `mb` MB (a few hundred kB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b"<w:p>" + b"0" * (1 << 20)
            for _ in range(mb):
                f.write(block)
    return buf.getvalue()


def thousand_page_pdf(pages: int = 3000) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for k in range(pages):
        c.drawString(72, 720, f"page {k}")
        c.showPage()
    c.save()
    return buf.getvalue()


def mutated(count: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """The `count` mutated inputs of a seed, in order, as (file name, bytes): each mutator in turn,
    on a random seed input. The same seed gives the same inputs (a finding is replayed by its name)."""
    rng = random.Random(seed)
    base = seeds()
    for k in range(count):
        mutate = MUTATORS[k % len(MUTATORS)]
        data, ext = base[rng.randrange(len(base))]
        out, suffix = mutate(rng, data, ext)
        yield f"{k:06d}_{mutate.__name__}{suffix}", out


def write_inputs(directory: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` mutated inputs, plus the two pathological files. Every file has its own content, so
    resume and accounting are by name."""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for name, data in mutated(count, seed):
        path = directory / name
        path.write_bytes(data)
        files.append(path)
    for name, make in (("zip_bomb.docx", zip_bomb), ("pages.pdf", thousand_page_pdf)):
        (directory / name).write_bytes(make())
        files.append(directory / name)
    return files


@dataclass
class Account:
    """What a batch run did with its inputs."""

    inputs: int = 0
    records: int = 0
    errors: int = 0
    crashes: list[str] = field(default_factory=list)  # a traceback, an internal error, a dead worker
    hangs: list[str] = field(default_factory=list)  # a file given up at the time limit
    lost: list[str] = field(default_factory=list)  # neither in the output nor in the error file
    duplicated: list[str] = field(default_factory=list)  # in the output or the error file twice
    by_mutator: Counter[str] = field(default_factory=Counter)

    def row(self, name: str) -> str:
        return (f"| {name} | {self.inputs} | {len(self.crashes)} | {len(self.hangs)} | {len(self.lost)} "
                f"| {len(self.duplicated)} |")  # fmt: skip


def account(files: list[Path], output: Path, errors: Path, stderr: str, returncode: int) -> Account:
    """Compare a batch's output and error file with its inputs."""
    a = Account(inputs=len(files))
    records = [json.loads(line)["source"] for line in _lines(output)]
    failed = [json.loads(line) for line in _lines(errors)]
    a.records, a.errors = len(records), len(failed)
    seen = Counter(records) + Counter(e["source"] for e in failed)
    for f in files:
        if seen[str(f)] == 0:
            a.lost.append(str(f))
        elif seen[str(f)] > 1:
            a.duplicated.append(str(f))
    for e in failed:
        if e["error"].startswith("internal error"):
            a.crashes.append(f"{e['source']}: {e['error']}")
        elif e["error"].startswith("still not read after"):
            a.hangs.append(e["source"])
    if "Traceback" in stderr or returncode not in (0, 1):
        a.crashes.append(f"the batch itself (exit {returncode}): {stderr[-500:]}")
    for f in files:
        a.by_mutator[f.stem.split("_", 1)[-1]] += 1
    return a


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines() if path.exists() else []
