"""Accuracy and review load per text layout, on random consistent reports (tests/synth.py).

    python benchmarks/layouts.py                # 200 reports per layout, seed 0
    python benchmarks/layouts.py -n 500 --seed 7

Every layout is produced by the generator alone (it never calls the parser). For each layout prints
fields judged, exact, silent errors (wrong and not in review) and the share of fields in review:
the review load a person carries for that kind of page.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor import CORE_BUILD, extract
from extractor.results.evaluate import same
from tests.synth import (
    LINE_LOSING,
    STYLES,
    WRAPS,
    Truth,
    break_numbers,
    collapse_identical_lines,
    header_one_character_per_line,
    random_report,
    render,
    reword_labels,
    wrap_labels,
    wrap_labels_in_rows,
)

Layout = Callable[[Truth, str, random.Random], str]


def _blanked(style: str) -> Layout:
    """Zeros left as empty cells, half of them."""
    return lambda t, fmt, rng: render(t, fmt, style, blank=lambda v: v == 0 and rng.random() < 0.5)


LAYOUTS: dict[str, Layout] = {
    **{style: (lambda t, fmt, rng, s=style: render(t, fmt, s)) for style in STYLES},
    **{f"{style}, zeros blank": _blanked(style) for style in ("tabs", "fixed", "lines", "cell_per_line", "markdown")},
    "one-line (open)": lambda t, fmt, rng: LINE_LOSING["one-line"](render(t, fmt, "open")),
    "one-line (tabs)": lambda t, fmt, rng: LINE_LOSING["one-line"](render(t, fmt, "tabs")),
    **{
        f"one-line ({style}), zeros blank": (
            lambda t, fmt, rng, s=style: LINE_LOSING["one-line"](_blanked(s)(t, fmt, rng))
        )
        for style in ("open", "tabs")
    },
    "lines, identical runs collapsed": lambda t, fmt, rng: collapse_identical_lines(render(t, fmt, "lines")),
    "lines, numbers broken over two lines": lambda t, fmt, rng: break_numbers(render(t, fmt, "lines"), rng, 0.2),
    **{f"PDF text, {where}": (lambda t, fmt, rng, w=where: wrap_labels(render(t, fmt, "tabs"), w)) for where in WRAPS},
    **{
        f"markdown, wrapped label rows, {where.removeprefix('numbers ')}": (
            lambda t, fmt, rng, w=where: wrap_labels_in_rows(render(t, fmt, "markdown"), w)
        )
        for where in (WRAPS[0], WRAPS[2])
    },
    **{
        f"{style}, labels reworded": (lambda t, fmt, rng, s=style: reword_labels(render(t, fmt, s), rng))
        for style in ("lines", "cell_per_line", "markdown", "tabs")
    },
    "one-line (open), labels reworded": lambda t, fmt, rng: LINE_LOSING["one-line"](
        reword_labels(render(t, fmt, "open"), rng)
    ),
    **{
        f"{style}, header one char per line": (
            lambda t, fmt, rng, s=style: header_one_character_per_line(render(t, fmt, s))
        )
        for style in ("lines", "cell_per_line", "fixed", "tabs")
    },
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="reports per layout")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layouts", nargs="*", help="names of layouts (default: all)")
    ap.add_argument("--reasons", type=int, default=0, help="also print this many commonest review reasons")
    args = ap.parse_args()
    print(f"core {CORE_BUILD}; {args.n} reports per layout; seed {args.seed}")
    print(f"{'layout':<38} {'judged':>7} {'exact':>8} {'silent':>6} {'review':>7}")
    for name, layout in LAYOUTS.items():
        if args.layouts and name not in args.layouts:
            continue
        rng = random.Random(args.seed)
        judged = exact = silent = review = 0
        reasons: Counter[str] = Counter()
        for _ in range(args.n):
            fmt = rng.choice(["2019", "2021"])
            truth = random_report(rng, fmt)
            report = extract(text=layout(truth, fmt, rng), name="synthetic.txt")
            flat = report.flat()
            for fid, expected in truth.items():
                got, doubted = flat["values"].get(fid), fid in flat["review"]
                judged += 1
                exact += same(expected, got)
                silent += not same(expected, got) and not doubted
                review += doubted
            reasons.update(why[:90] for fid, v in report.fields() if fid in truth for why in v.review)
        print(f"{name:<38} {judged:>7} {100 * exact / judged:>7.2f}% {silent:>6} {100 * review / judged:>6.1f}%")
        for why, count in reasons.most_common(args.reasons):
            print(f"    {count:>6}  {why}")


if __name__ == "__main__":
    main()
