"""Machine instructions per report of rules-only extraction, counted by valgrind (callgrind).

    python benchmarks/instructions.py DIR           # the first 200 report files under DIR
    python benchmarks/instructions.py DIR -n 500

CPU time on a shared machine moves by 20% or more from run to run; an instruction count does not
(the same code, inputs and interpreter give the same count). This runs the interpreter twice under
callgrind, once loading the reports without extracting them and once extracting them, so start-up
and loading cancel out, and prints the difference per report. Use it to compare two versions of
the code; use throughput.py for reports per CPU-second. Needs valgrind; about 20 s per 100 reports.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The measured program: load n reports, settle the collector as `xxgk extract` does, extract them.
WORKLOAD = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from extractor.results.batch import settle_collector
from extractor.read.load import load_path
from extractor.pipeline import extract_document
files = sorted(p for p in Path({dir!r}).rglob("*") if p.is_file() and not p.name.endswith(".json"))
docs = [load_path(p) for p in files[:{n}]]
settle_collector()
if {extract}:
    for d in docs:
        extract_document(d)
"""


def instructions(directory: Path, n: int, extract: bool) -> int:
    code = WORKLOAD.format(root=str(ROOT), dir=str(directory), n=n, extract=extract)
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code],
        capture_output=True,
        text=True,
    )
    m = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or m is None:
        last = run.stderr.strip().splitlines()[-1:] or ["no output"]
        sys.exit(f"instructions: the measured run failed (exit {run.returncode}): {last[0]}")
    return int(m.group(1))


def core_build() -> str:
    """How the measured runs load the core (they import it from ROOT, as this process would)."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import extractor; print(extractor.CORE_BUILD)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("-n", type=int, default=200, help="how many report files to extract")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("instructions: valgrind is not installed")
    files = [p for p in args.dir.rglob("*") if p.is_file() and not p.name.endswith(".json")]
    n = min(args.n, len(files))
    if n == 0:
        sys.exit(f"instructions: no report files under {args.dir}")
    loaded, extracted = instructions(args.dir, n, False), instructions(args.dir, n, True)
    per_report = (extracted - loaded) / n / 1e6
    print(f"{n} reports under {args.dir}, core {core_build()}: {per_report:.2f} M instructions per report")


if __name__ == "__main__":
    main()
