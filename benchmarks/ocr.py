"""OCR of scanned reports: accuracy per damage level, seconds per page and memory.

    python benchmarks/ocr.py                       # every corpus report, 150 and 200 dpi, every damage level
    python benchmarks/ocr.py --dpi 200 --damage light --reports sh_office_2019

Each corpus report is rendered as a PDF (tests/documents.py), printed and scanned as tests/scans.py
does it (a slight turn, blur, JPEG), saved as an image-only PDF and extracted by the library, as
`xxgk extract` would. Prints, per level: fields judged, exact, silent errors (wrong and not in review),
fields in review, pages, seconds per page (CPU time of this process, OCR threads included) and the
peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdfium2

from extractor import extract
from extractor.results.evaluate import score
from tests.conftest import corpus_reports, gold_of
from tests.documents import blocks_of, to_pdf
from tests.scans import DAMAGE, to_scan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200])
    ap.add_argument("--damage", nargs="+", default=list(DAMAGE), choices=list(DAMAGE))
    ap.add_argument("--reports", nargs="*", help="stems of corpus reports (default: all)")
    ap.add_argument("--show-wrong", action="store_true", help="print every field not exact")
    args = ap.parse_args()
    reports = [p for p in corpus_reports() if not args.reports or p.name.split(".")[0] in args.reports]
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = {p: to_pdf(blocks_of(p), Path(tmp) / f"{p.stem}.pdf") for p in reports}
        print(
            f"{'dpi':>4} {'damage':<6} {'judged':>6} {'exact':>7} {'silent':>6} {'review':>6} {'pages':>5} "
            f"{'s/page':>6} {'peak MB':>7}"
        )
        for dpi in args.dpi:
            for name in args.damage:
                level(pdfs, dpi, name, Path(tmp), args.show_wrong)


def level(pdfs: dict[Path, Path], dpi: int, damage: str, tmp: Path, show_wrong: bool) -> None:
    judged = exact = silent = review = pages = 0
    cpu = 0.0
    for k, (report, pdf) in enumerate(pdfs.items()):
        scan = to_scan(pdf, tmp / f"scan-{dpi}-{damage}-{report.stem}.pdf", dpi, DAMAGE[damage], seed=k)
        pages += len(pypdfium2.PdfDocument(str(scan)))
        start = time.process_time()
        tally = score(extract(scan).flat(), gold_of(report))
        cpu += time.process_time() - start
        t = tally.total
        judged, exact, silent, review = judged + t.judged, exact + t.exact, silent + t.silent, review + t.reviewed
        if show_wrong:
            for wrong in tally.wrong:
                print(f"  {report.name} {dpi} {damage}: {wrong}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{dpi:>4} {damage:<6} {judged:>6} {exact / judged:>7.2%} {silent:>6} {review / judged:>6.1%} {pages:>5} "
        f"{cpu / pages:>6.2f} {peak:>7.0f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
