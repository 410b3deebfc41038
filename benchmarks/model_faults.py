"""Seconds per report when the model endpoint misbehaves (tests/model_servers.py), with the default
deadline and with a short one: the deadline, not the fault, bounds the wait.

    python benchmarks/model_faults.py            # XXGK's default deadline (300 s): slow, the honest figure
    python benchmarks/model_faults.py --deadline 10
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor import extract
from extractor.llm.client import ModelClient
from extractor.llm.config import ModelConfig
from tests import model_servers
from tests.conftest import CORPUS

REPORT = CORPUS / "seeds" / "004_d41cb1e17d5f5455.txt"
FAULTS = {
    "never answers": model_servers.silent,
    "streams for ever": model_servers.trickle,
    "200 with an HTML body": model_servers.html,
    "larger than max_tokens": model_servers.endless,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deadline", type=float, default=ModelConfig.deadline)
    args = ap.parse_args()
    rules = extract(REPORT).flat()["values"]
    print(f"deadline {args.deadline:g} s per report\n| fault | seconds per report | values as rules-only | reason |")
    print("|---|---|---|---|")
    for name, behaviour in FAULTS.items():
        server = model_servers.Server(behaviour)
        llm = ModelClient(ModelConfig(base_url=server.url, model="m", deadline=args.deadline, cache_dir=None))
        t0 = time.monotonic()
        report = extract(REPORT, llm=llm)
        took = time.monotonic() - t0
        server.stop()
        reason = next((p for p in report.problems if p.startswith("model:")), "")
        print(f"| {name} | {took:.1f} | {report.flat()['values'] == rules} | {reason[:70]} |", flush=True)
    server, _ = model_servers.goes_away_after(1)
    llm = ModelClient(ModelConfig(base_url=server.url, model="m", deadline=args.deadline, cache_dir=None))
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        report = extract(REPORT, llm=llm)
        times.append(time.monotonic() - t0)
    reason = next((p for p in report.problems if p.startswith("model:")), "")
    print(f"| goes away mid-batch (3 reports) | {' / '.join(f'{t:.1f}' for t in times)} | "
          f"{report.flat()['values'] == rules} | {reason[:70]} |")  # fmt: skip


if __name__ == "__main__":
    main()
