"""The narrative rules on the sentence set of tests/narrative_cases.py, per class.

    python benchmarks/narrative.py            # 5 sentences per template, seed 0
    python benchmarks/narrative.py -n 20 --seed 3

Prints, per class: sentences, facts judged, exact, in review, silent errors, false certainty.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.narrative_cases import TEMPLATES, cases
from tests.test_narrative_cases import judge


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=5, help="sentences per template")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    every = cases(args.n, args.seed)
    print(f"{'class':32} {'sentences':>9} {'judged':>7} {'exact':>7} {'review':>7} {'silent':>7} {'false-cert':>10}")
    overall: Counter[str] = Counter()
    for cls in TEMPLATES:
        mine = [c for c in every if c.cls == cls]
        total: Counter[str] = Counter()
        for case in mine:
            total += judge(case)
        overall += total
        exact = f"{total['exact'] / total['judged']:.1%}" if total["judged"] else "-"
        print(
            f"{cls:32} {len(mine):9} {total['judged']:7} {exact:>7} {total['reviewed']:7} "
            f"{total['silent']:7} {total['false_certain']:10}"
        )
    exact = overall["exact"] / overall["judged"]
    print(
        f"{'ALL':32} {len(every):9} {overall['judged']:7} {exact:7.1%} {overall['reviewed']:7} "
        f"{overall['silent']:7} {overall['false_certain']:10}"
    )


if __name__ == "__main__":
    main()
