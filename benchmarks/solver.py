"""The blank solver against brute force on many random tables (tests/test_solve.py checks a few hundred).

    python benchmarks/solver.py -n 10000

Prints how many blanks were forced, left open and checked, and the time per table.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor.rules.solve import solve
from tests.test_solve import DISPUTE_RULES, check, dispute_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=10_000)
    args = ap.parse_args()
    forced = open_ = 0
    solve_time = 0.0
    for seed in range(args.n):
        rng = random.Random(seed)
        truth = dispute_table(rng)
        blanks = rng.sample(sorted(truth), rng.randint(1, 4))
        check(DISPUTE_RULES, truth, blanks, top=15)  # raises on any disagreement with brute force
        known = {f: v for f, v in truth.items() if f not in blanks}
        t0 = time.perf_counter()
        solution = solve(DISPUTE_RULES, known)
        solve_time += time.perf_counter() - t0
        forced += len(solution.forced)
        open_ += len(solution.ranges)
        assert set(solution.forced) | set(solution.ranges) == set(blanks)
    print(f"{args.n} random 表四 tables, {forced + open_} blanks: {forced} forced, {open_} left open;")
    print(f"every one agrees with brute force; solver {solve_time / args.n * 1e6:.0f} µs per table")


if __name__ == "__main__":
    main()
