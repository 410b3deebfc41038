"""Rules-only throughput and peak memory of `xxgk extract` over a corpus.

    python benchmarks/throughput.py DIR                  # every report file under DIR
    python benchmarks/throughput.py DIR --generate 2000  # first write 2000 synthetic reports to DIR
    python benchmarks/throughput.py DIR --runs 5         # the whole-process figure: median of 5 runs
    python benchmarks/throughput.py ../shared/corpus/real --copies 200  # real pages (HTML, Markdown,
                                                         # text), each file 200 times, in a temporary DIR

First the figure a user waits for: the whole `xxgk extract DIR -j 1 --flat -o FILE` process, start-up
and writing included, as reports per CPU-second of that process (user + system time of the child,
so other load on the machine moves it less than wall time; on a shared VM it still moves by 10-20%,
hence several runs). Then, in this process, the extraction alone and extraction + serialising, with
the peak resident memory after each checkpoint: memory that stays flat as the batch grows is the
point. The first line says whether the core ran compiled (the installed default) or interpreted
(XXGK_PURE_PYTHON=1, or sources edited since the last install).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor import CORE_BUILD
from extractor.pipeline import extract_document
from extractor.read.load import load_path
from extractor.results import jsonl
from extractor.results.batch import settle_collector
from tests.synth import STYLES, write_corpus


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def whole_process(directory: Path, runs: int, files: int) -> None:
    """CPU seconds of `xxgk extract DIR -j 1 --flat -o FILE`, `runs` times."""
    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "extractor.cli", "extract", str(directory), "-j", "1", "--flat", "-o"]
        for k in range(runs):
            p = subprocess.Popen(
                [*cmd, str(Path(tmp) / f"out{k}.jsonl")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            _, status, usage = os.wait4(p.pid, 0)
            if status:
                sys.exit(f"throughput: xxgk extract exited with status {status}")
            seconds.append(usage.ru_utime + usage.ru_stime)
    med, lo, hi = statistics.median(seconds), min(seconds), max(seconds)
    print(
        f"whole process, {files} reports, {runs} runs: CPU {med:.2f} s median ({lo:.2f}-{hi:.2f})"
        f"  -> {files / med:.0f} reports/CPU-s median ({files / hi:.0f}-{files / lo:.0f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--generate", type=int, default=0, help="write this many synthetic reports to DIR first")
    ap.add_argument("--runs", type=int, default=3, help="runs of the whole process (0: skip it)")
    ap.add_argument("--copies", type=int, default=0, help="measure DIR's report files this many times over")
    args = ap.parse_args()
    if args.generate:
        write_corpus(args.dir, args.generate, [s for s in STYLES if s != "html"])  # text reports
    with tempfile.TemporaryDirectory() as tmp:
        directory = _copies(args.dir, args.copies, Path(tmp)) if args.copies else args.dir
        measure(directory, args.runs)


def _copies(directory: Path, copies: int, into: Path) -> Path:
    """`copies` copies of every report file under `directory` (not gold files or READMEs), in `into`."""
    reports = [p for p in sorted(directory.rglob("*")) if p.is_file() and not p.name.endswith((".json", ".md"))]
    reports += [p for p in sorted(directory.rglob("*.md")) if p.name.lower() != "readme.md"]
    for k in range(copies):
        for p in reports:
            (into / f"{k:05d}_{p.name}").write_bytes(p.read_bytes())
    return into


def measure(directory: Path, runs: int) -> None:
    files = sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.endswith(".json"))
    if not files:
        sys.exit(f"throughput: no report files under {directory}")
    checkpoints = {n for n in (100, 1000, 2000, 5000, 10000, 20000) if n < len(files)} | {len(files)}
    print(f"{len(files)} files under {directory}; core {CORE_BUILD}; peak RSS before extraction {peak_mb():.1f} MB")
    if runs:
        whole_process(directory, runs, len(files))
    settle_collector()  # as `xxgk extract` does before its first report
    cpu_extract = cpu_write = 0.0
    wall0 = time.perf_counter()
    failed = 0
    for n, path in enumerate(files, 1):
        t0 = time.process_time()
        try:
            report = extract_document(load_path(path))
        except Exception:
            failed += 1
            continue
        t1 = time.process_time()
        jsonl.encode(report.flat())  # what `xxgk extract --flat` writes for each report
        cpu_extract += t1 - t0
        cpu_write += time.process_time() - t1
        if n in checkpoints:
            wall = time.perf_counter() - wall0
            rates = f"extract {n / cpu_extract:6.0f}/CPU-s  extract+write {n / (cpu_extract + cpu_write):6.0f}/CPU-s"
            print(f"{n:>7} reports  {rates}  wall {n / wall:6.0f}/s  peak RSS {peak_mb():7.1f} MB")
    print(f"failed: {failed}")


if __name__ == "__main__":
    main()
