"""End-to-end batch throughput and peak memory of `xxgk extract`, with 1 worker and with all cores.

    python benchmarks/batch.py DIR --generate 10000   # write 10,000 synthetic reports (text and HTML) first
    python benchmarks/batch.py DIR

Runs the real command (`xxgk extract DIR -o OUT -j N`) as a user would, and prints files per second
of wall time and the peak resident memory of the command and of its largest worker (getrusage of
the children). DOCX and PDF inputs are not generated yet: those loaders do not exist yet.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.synth import write_corpus


def run(directory: Path, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [sys.executable, "-m", "extractor.cli", "extract", str(directory), "-o", str(out), "-j", str(workers)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        lines = out.read_text("utf-8").count("\n") if out.exists() else 0
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(
        f"-j {workers:<3} {lines:>6} records  {lines / wall:7.1f} files/s wall"
        f"  {lines / max(cpu, 1e-9):7.1f} files/CPU-s"
        f"  peak RSS of largest process {after.ru_maxrss / 1024:7.1f} MB  exit {proc.returncode}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--generate", type=int, default=0)
    args = ap.parse_args()
    if args.generate:
        write_corpus(args.dir, args.generate)
    n = sum(1 for p in args.dir.iterdir() if p.is_file())
    print(f"{n} files under {args.dir}; {os.cpu_count()} cores")
    for workers in sorted({1, os.cpu_count() or 1}):
        run(args.dir, workers)


if __name__ == "__main__":
    main()
