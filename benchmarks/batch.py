"""End-to-end batch throughput and peak memory of `xxgk extract`, with 1 worker and with all cores.

    python benchmarks/batch.py DIR --generate 10000   # 10,000 synthetic reports: text, HTML and DOCX, a third each
    python benchmarks/batch.py DIR --generate 300 --kinds pdf
    python benchmarks/batch.py DIR
    python benchmarks/batch.py DIR --scheduler local:2   # also on a Dask LocalCluster, beside the pool

Runs the real command (`xxgk extract DIR -o OUT -j N`) as a user would, and prints files per second
of wall time and of CPU time, and the peak resident memory of its largest process and of all its
processes together (sampled from /proc every 0.2 s). On a LocalCluster the largest process is a
worker's (the client holds no report); the Dask run's records are compared with the pool's, as a set.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.synth import KINDS, write_corpus

TICKS = os.sysconf("SC_CLK_TCK")


def run(directory: Path, workers: int, scheduler: str | None = None) -> list[str]:
    """One run of the command; a digest of each of its records' lines, sorted (full records are large)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [sys.executable, "-m", "extractor.cli", "extract", str(directory), "-o", str(out), "-j", str(workers)]
        cmd += ["--scheduler", scheduler] if scheduler else []
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tree = Tree(proc.pid)
        while proc.poll() is None:
            tree.sample()
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        records = sorted(_digests(out)) if out.exists() else []
    lines = len(records)
    what = f"dask {scheduler}" if scheduler else f"-j {workers}"
    print(
        f"{what:<14} {lines:>6} records  {lines / wall:7.1f} files/s wall"
        f"  {lines / max(tree.cpu, 1e-9):7.1f} files/CPU-s"
        f"  peak RSS: largest process {tree.peak_one / 1024:6.1f} MB, all processes {tree.peak_all / 1024:6.1f} MB"
        f"  exit {proc.returncode}",
        flush=True,
    )
    return records


def _digests(out: Path) -> list[str]:
    with out.open("rb") as f:
        return [hashlib.sha256(line).hexdigest() for line in f]


class Tree:
    """CPU time and resident memory of a process and all its descendants, sampled from /proc.

    getrusage(RUSAGE_CHILDREN) misses the pool's workers: they are the forkserver's children, and
    the forkserver is not waited for. CPU is summed from each process's last sample (so the final
    0.2 s of a process may be missed); memory is the peak of one process and of the whole tree.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu_of: dict[int, float] = {}
        self.peak_one = self.peak_all = 0  # kB

    @property
    def cpu(self) -> float:
        return sum(self.cpu_of.values())

    def sample(self) -> None:
        total = 0
        for pid in self._pids(self.pid):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                status = Path(f"/proc/{pid}/status").read_text().splitlines()
                rss = next(int(ln.split()[1]) for ln in status if ln.startswith("VmRSS"))
            except (OSError, StopIteration, IndexError):
                continue
            self.cpu_of[pid] = (int(stat[11]) + int(stat[12])) / TICKS
            self.peak_one = max(self.peak_one, rss)
            total += rss
        self.peak_all = max(self.peak_all, total)

    def _pids(self, pid: int) -> list[int]:
        # Children are listed per thread: Dask's nanny starts its workers from its event-loop thread.
        children = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children += (task / "children").read_text().split()
            except OSError:
                continue
        return [pid, *(p for c in children for p in self._pids(int(c)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--generate", type=int, default=0)
    ap.add_argument("--kinds", default="text,html,docx", help="comma-separated: " + ", ".join(KINDS))
    ap.add_argument("--scheduler", help="also run on this Dask scheduler (local:N or an address)")
    args = ap.parse_args()
    if args.generate:
        kinds = args.kinds.split(",")
        per_kind = [
            (k, args.generate * (i + 1) // len(kinds) - args.generate * i // len(kinds)) for i, k in enumerate(kinds)
        ]
        for offset, (kind, count) in enumerate(per_kind):
            write_corpus(args.dir / kind, count, KINDS[kind], seed=offset)
    files = [p for p in args.dir.rglob("*") if p.is_file()]
    mix = {s: sum(1 for p in files if p.suffix == s) for s in sorted({p.suffix for p in files})}
    print(f"{len(files)} files under {args.dir} {mix}; {os.cpu_count()} cores")
    pool = [run(args.dir, workers) for workers in sorted({1, os.cpu_count() or 1})][-1]
    if args.scheduler:
        dask = run(args.dir, 1, args.scheduler)
        same = "identical to" if dask == pool else "DIFFERENT from"
        print(f"dask records: {len(dask)}, each once: {len(set(dask)) == len(dask)}, {same} the pool's (as a set)")


if __name__ == "__main__":
    main()
