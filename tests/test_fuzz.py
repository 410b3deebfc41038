"""The CI slice of the fuzz run (benchmarks/fuzz.py runs thousands): mutated inputs of every reader
through the real batch, each ending as a record or one error line; none crashes, hangs, is lost or
is written twice. And the guards that make that so, one by one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.read.load import load_bytes
from extractor.results.batch import extract_one
from tests.fuzz import account, thousand_page_pdf, write_inputs, zip_bomb

XXGK = [sys.executable, "-m", "extractor.cli"]


def test_mutated_inputs_end_as_a_record_or_one_error_line(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in", 150, seed=3)
    out = tmp_path / "out.jsonl"
    p = subprocess.run(
        [*XXGK, "extract", str(tmp_path / "in"), "-o", str(out), "-j", "2", "--file-timeout", "30", "--no-progress"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    a = account(files, out, tmp_path / "out.errors.jsonl", p.stderr, p.returncode)
    assert (a.crashes, a.hangs, a.lost, a.duplicated) == ([], [], [], [])
    assert a.records + a.errors == len(files) and a.records > 10 and a.errors > 10


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (zip_bomb, "bomb.docx", "unpacks to more than 200 MB"),
        (lambda: zip_bomb(190), "big.docx", "text unpacks to more than 32 MB"),
        (thousand_page_pdf, "long.pdf", "PDF of 3000 pages"),
    ],
    ids=["zip-bomb", "190-MB-of-xml", "3000-pages"],
)
def test_pathological_files_are_refused_at_once(make, name: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    t0 = time.perf_counter()
    o = extract_one(path)
    assert o.error is not None and message in o.error
    assert time.perf_counter() - t0 < 5


def test_a_file_past_the_time_limit_is_one_error_line_and_the_batch_goes_on(tmp_path: Path) -> None:
    from tests.conftest import corpus_reports
    from tests.documents import blocks_of, to_pdf

    slow = to_pdf(blocks_of(corpus_reports()[0]) * 6, tmp_path / "long.pdf")  # pdfminer takes a while
    o = extract_one(slow, seconds=0.05)
    assert o.error is not None and o.error.startswith("still not read after 0.05 s")
    assert extract_one(slow, seconds=0).line is not None  # 0: no limit; the file itself is fine
    fine = extract_one(corpus_reports()[1], seconds=0.05 * 200)
    assert fine.line is not None
    # In a thread (Dask's workers, the model path), where no signal can reach: the same.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        slow_o, fine_o = pool.map(lambda a: extract_one(*a), [(slow, False, None, frozenset(), 0.05),
                                                             (corpus_reports()[1], False, None, frozenset(), 10.0)])  # fmt: skip
    assert slow_o.error is not None and slow_o.error.startswith("still not read after 0.05 s")
    assert fine_o.line is not None
    time.sleep(0.2)  # an alarm sent after its file had finished would go off here, in this thread's pool


def test_utf16_with_and_without_bom_is_read_as_text() -> None:
    from tests.conftest import corpus_reports

    text = corpus_reports()[0].read_text("utf-8")
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        assert (
            load_bytes(text.encode(encoding), "r.txt").text.strip()[:20]
            == load_bytes(text.encode(), "r.txt").text.strip()[:20]
        )


@pytest.mark.parametrize(
    "unit",
    ["市政府共受理政府信息公开申请 1295 件，办结 1191 件（含 ", "本年新收政府信息公开申请数量 | 705 | 3 | ", "— 3 — "],
    ids=["prose-statement", "table-row", "page-footer"],
)
def test_a_one_megabyte_line_of_repeats_is_read_within_the_time_limit(unit: str, tmp_path: Path) -> None:
    """A page saved as one line of one statement repeated: every statement once looked for its sentence
    across the whole line (quadratic: past 30 s). Now a few seconds; the limit leaves room for a slow CI."""
    from tests.conftest import corpus_reports

    path = tmp_path / "long.txt"
    path.write_text(corpus_reports()[0].read_text("utf-8") + unit * (1_000_000 // len(unit.encode())), "utf-8")
    o = extract_one(path, seconds=20)
    assert o.error is None or not o.error.startswith("still not read"), o.error


# What the long run (benchmarks/fuzz.py --count 10000 --seed 1) found, each replayed by its name:
# damaged PDFs whose close raised past the reader's error, a zip header of an unknown version, and
# 1 MB lines of one statement repeated that took minutes.
FOUND = {
    "000180_flip_bytes.pdf", "000210_flip_bytes.pdf", "000560_flip_bytes.pdf", "001010_flip_bytes.pdf",
    "001540_flip_bytes.docx", "005044_long_line.txt", "007124_long_line.txt",
}  # fmt: skip


def test_what_the_long_fuzz_run_found_ends_in_a_record_or_one_clear_line(tmp_path: Path) -> None:
    from tests.fuzz import mutated

    last = max(int(name[:6]) for name in FOUND)
    seen = set()
    for name, data in mutated(last + 1, seed=1):
        if name in FOUND:
            seen.add(name)
            path = tmp_path / name
            path.write_bytes(data)
            o = extract_one(path, seconds=20)
            assert o.error is None or not o.error.startswith(("internal error", "still not read")), (name, o.error)
    assert seen == FOUND  # the replay made the very inputs the run found
