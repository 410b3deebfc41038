"""The long fuzz run: thousands of mutated inputs through the real batch, and what became of each.

    python benchmarks/fuzz.py --count 10000            # about 10 minutes on 2 cores
    python benchmarks/fuzz.py --count 300 --seed 7

Writes the inputs (tests/fuzz.py: every reader's inputs mutated, a zip bomb, a PDF of thousands of
pages), runs `xxgk extract DIR -o OUT -j N --file-timeout T` as a user would, and prints one table
row: inputs, crashes (a traceback, an internal error, a dead worker), hangs (files given up at the
time limit), inputs lost (in neither the output nor the error file) and duplicated; then the details.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz import account, write_inputs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-j", "--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--file-timeout", type=float, default=30.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs, out = Path(tmp) / "inputs", Path(tmp) / "out.jsonl"
        t0 = time.perf_counter()
        files = write_inputs(inputs, args.count, args.seed)
        print(f"{len(files)} inputs written in {time.perf_counter() - t0:.0f} s", flush=True)
        cmd = [sys.executable, "-m", "extractor.cli", "extract", str(inputs), "-o", str(out), "--no-progress",
               "-j", str(args.workers), "--file-timeout", str(args.file_timeout)]  # fmt: skip
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        a = account(files, out, out.with_name("out.errors.jsonl"), p.stderr, p.returncode)
    print(f"batch: {wall:.0f} s, {len(files) / wall:.1f} inputs/s; {a.records} records, {a.errors} error lines")
    print("| run | inputs tried | crashes | hangs | lost | duplicated |\n|---|---|---|---|---|---|")
    print(a.row(f"fuzz seed {args.seed}"))
    print("inputs per mutator:", dict(Counter(a.by_mutator)))
    for what, items in (("crash", a.crashes), ("hang", a.hangs), ("lost", a.lost), ("duplicated", a.duplicated)):
        for item in items[:10]:
            print(f"{what}: {item}")


if __name__ == "__main__":
    main()
