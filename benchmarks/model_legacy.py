"""What the local model adds on legacy (pre-2019) prose, and what each call costs on this machine.

    xxgk serve-local --port 8080 &                  # the offline model (Qwen2.5-Coder-1.5B, llama.cpp)
    python benchmarks/model_legacy.py               # 1 report per sentence template, seed 0
    python benchmarks/model_legacy.py -n 2 --seed 3 --base-url http://127.0.0.1:8080/v1

Each report is the shared corpus's real legacy report (seeds/004) with the sentences under its
依申请公开 and 行政复议/诉讼 headings replaced: one by a sentence of the narrative set
(tests/narrative_cases.py, random values), the other by a sentence stating nothing. So the prose
around the facts is a real report's, about 3,000 characters, and every fact's truth is known:
the sentence's value where it states one, none elsewhere (a value there, not in review, is false
certainty). The same reports are read rules-only and rules + model (asked only for what the rules
left open). Prints per class: facts judged, exact, in review, silent errors, false certainty for
both arms; then the model's calls, failures (timeouts included), seconds per call and tokens per
second (prompt and completion together, wall time: what a user waits for).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor import extract
from extractor.core.schema import Report, Usage
from extractor.llm.client import ModelClient, ModelConfig
from tests.narrative_cases import TEMPLATES, Case, cases, tally

FRAME = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "seeds" / "004_d41cb1e17d5f5455.txt"
APPLICATIONS_HEADING = "(四)依申请公开情况\n"
DISPUTES_HEADING = "(八)因政府信息公开申请行政复议、提起行政诉讼的情况\n"
NOTHING = "本年度该项工作按要求有序开展。"


def _replace_body(text: str, heading: str, sentence: str) -> str:
    """The paragraph after `heading` replaced by `sentence`."""
    at = text.index(heading) + len(heading)
    return text[:at] + sentence + text[text.index("\n", at) :]


def report_text(case: Case, frame: str) -> str:
    """The legacy frame with the case's sentence where its facts belong, the other paragraph empty of facts."""
    disputes = case.expected["reconsideration_total"] is not None or case.expected["litigation_total"] is not None
    sentences = (NOTHING, case.text) if disputes else (case.text, NOTHING)
    text = _replace_body(frame, APPLICATIONS_HEADING, sentences[0])
    return _replace_body(text, DISPUTES_HEADING, sentences[1])


def judge(report: Report, case: Case) -> Counter[str]:
    return tally(dict(report.fields()), case)


def _line(name: str, t: Counter[str]) -> str:
    judged = max(t["judged"], 1)
    return (
        f"{name:<40} {t['judged']:>6} {100 * t['exact'] / judged:>6.1f}% {100 * t['reviewed'] / judged:>6.1f}%"
        f" {t['silent']:>6} {t['false_certain']:>10}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1, help="reports per sentence template")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    ap.add_argument("--model", default="local")
    args = ap.parse_args()
    frame = FRAME.read_text("utf-8")
    assert APPLICATIONS_HEADING in frame and DISPUTES_HEADING in frame, "the legacy frame changed"
    config = ModelConfig.from_env(base_url=args.base_url, model=args.model)
    client = ModelClient(replace(config, cache_dir=None))
    print(f"model {args.model} at {args.base_url}; timeout {config.timeout:.0f} s, concurrency {config.concurrency}")
    rules: dict[str, Counter[str]] = {cls: Counter() for cls in TEMPLATES}
    hybrid: dict[str, Counter[str]] = {cls: Counter() for cls in TEMPLATES}
    usage, seconds, failures = Usage(), [], Counter[str]()
    for k, case in enumerate(cases(args.n, args.seed)):
        text = report_text(case, frame)
        rules[case.cls] += judge(extract(text=text, name=f"legacy_{k}.txt"), case)
        t0 = time.perf_counter()
        report = extract(text=text, name=f"legacy_{k}.txt", llm=client)
        if report.usage.calls:
            seconds.append((time.perf_counter() - t0) / report.usage.calls)
        usage.add(report.usage)
        failures.update(e.split(":")[0] for e in report.usage.errors)
        hybrid[case.cls] += judge(report, case)
    head = f"{'class':<40} {'judged':>6} {'exact':>7} {'review':>7} {'silent':>6} {'false-cert':>10}"
    for arm, table in (("rules only", rules), ("rules + model", hybrid)):
        print(f"\n{arm}\n{head}")
        for cls, t in table.items():
            print(_line(cls, t))
        print(_line("ALL", sum(table.values(), Counter())))
    tokens = usage.prompt_tokens + usage.completion_tokens
    print(
        f"\nmodel calls {usage.calls}, retries {usage.retries}, failures {sum(failures.values())} {dict(failures)}"
        f"\nprompt tokens {usage.prompt_tokens}, completion tokens {usage.completion_tokens}"
    )
    if seconds:
        seconds.sort()
        total = sum(seconds)
        print(
            f"seconds per call: median {seconds[len(seconds) // 2]:.1f}, max {seconds[-1]:.1f}; "
            f"{tokens / total:.0f} tokens/s over the calls' wall time"
        )


if __name__ == "__main__":
    main()
