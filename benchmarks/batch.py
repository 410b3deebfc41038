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
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def generate(directory: Path, count: int, seed: int = 0) -> None:
    from tests.synth import STYLES, random_report, render

    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        fmt = rng.choice(["2019", "2021"])
        style = rng.choice(STYLES)
        suffix = "html" if style == "html" else "txt"
        text = render(random_report(rng, fmt), fmt, style, year=2020 if fmt == "2019" else 2022)
        (directory / f"synthetic_{i:06d}.{suffix}").write_text(text, "utf-8")


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
        generate(args.dir, args.generate)
    n = sum(1 for p in args.dir.iterdir() if p.is_file())
    print(f"{n} files under {args.dir}; {os.cpu_count()} cores")
    for workers in sorted({1, os.cpu_count() or 1}):
        run(args.dir, workers)


if __name__ == "__main__":
    main()
