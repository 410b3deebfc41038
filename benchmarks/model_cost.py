"""Hybrid model path vs a whole-document baseline: calls, tokens and accuracy per report.

    python benchmarks/model_cost.py DIR... [--base-url http://127.0.0.1:8080/v1] [--model local]

- hybrid: `xxgk`'s pipeline — rules for the tables, a typed call for the narrative facts the rules
  left open and one for the table rows they could not read with certainty (none for either when
  the rules settled everything);
- baseline: the same model asked for the whole record in one call, given the whole report (cut to
  fit the server's context) and the list of the report's judged field ids with their meaning.

The baseline is given only the fields the gold file judges, a smaller answer than the full record,
so its token count is a lower bound on what the whole-document approach costs. Both arms are scored
on the same gold fields with the definitions of flat-record.md. No cache is used by either arm.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor import extract
from extractor.core.schema import Usage
from extractor.llm.client import Answer, ModelClient, ModelConfig
from extractor.llm.prompting import load_prompt, schema_hash
from extractor.read.load import load_path
from extractor.results.evaluate import gold_pairs, load_gold, score

FIELDS_TSV = Path(__file__).resolve().parents[1] / "extractor" / "data" / "fields.tsv"
CHARS_PER_TOKEN = 0.9  # conservative for Chinese text, field ids and JSON in Qwen's tokenizer


class BaselineRecord(BaseModel):
    values: dict[str, float | int | str | None] = {}


def field_meanings() -> dict[str, str]:
    with open(FIELDS_TSV, encoding="utf-8") as f:
        return {row["id"]: f"{row['label_zh']}\t{row['unit']}" for row in csv.DictReader(f, delimiter="\t")}


def baseline(client: ModelClient, path: Path, gold: dict, n_ctx: int) -> tuple[dict, Usage]:
    meanings = field_meanings()
    ids = [fid for fid, v in gold["fields"].items() if v is not None]
    fields = "\n".join(f"{fid}\t{meanings.get(fid, '')}" for fid in ids)
    answer_budget = min(14 * len(ids) + 50, n_ctx // 3)
    room = int((n_ctx - answer_budget - 600 - len(fields) / CHARS_PER_TOKEN) * CHARS_PER_TOKEN)
    document = load_path(path).text[: max(room, 500)]
    prompt = load_prompt("baseline_record")
    usage = Usage()
    c = ModelClient(replace(client.config, max_tokens=answer_budget, reasks=0))
    answer = c.ask(
        BaselineRecord,
        prompt.messages(document=document, fields=fields),
        prompt_hash=prompt.hash,
        schema_hash=schema_hash(BaselineRecord),
        context={},
        usage=usage,
        deadline=time.monotonic() + 900,
    )
    values = answer.value.values if isinstance(answer, Answer) else {}  # type: ignore[attr-defined]
    if not isinstance(answer, Answer):
        print(f"  baseline failed on {path.name}: {answer.reason}", flush=True)
    return {"source": path.name, "values": values, "review": []}, usage


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    ap.add_argument("--model", default="local")
    ap.add_argument(
        "--baseline-base-url",
        help="a server with a context large enough for whole reports "
        "(e.g. the same model started with --n_ctx 16384); default: --base-url",
    )
    ap.add_argument("--n-ctx", type=int, default=16384, help="the baseline server's context size")
    args = ap.parse_args()
    client = ModelClient(ModelConfig(base_url=args.base_url, model=args.model, cache_dir=None, timeout=900))
    whole = ModelClient(
        ModelConfig(base_url=args.baseline_base_url or args.base_url, model=args.model, cache_dir=None, timeout=900)
    )
    print(f"{'report':<28}{'arm':<9}{'calls':>6}{'tokens':>8}{'judged':>8}{'exact':>7}{'silent':>8}")
    totals = {"hybrid": [0, 0, 0, 0, 0], "baseline": [0, 0, 0, 0, 0]}
    for path, gold_path in gold_pairs(args.dirs):
        gold = load_gold(gold_path)
        report = extract(path, llm=client)
        runs = [("hybrid", report.flat(), report.usage), ("baseline", *baseline(whole, path, gold, args.n_ctx))]
        for arm, flat, usage in runs:
            s = score(flat, gold).total
            tokens = usage.prompt_tokens + usage.completion_tokens
            for i, v in enumerate((usage.calls, tokens, s.judged, s.exact, s.silent)):
                totals[arm][i] += v
            print(
                f"{path.stem[:27]:<28}{arm:<9}{usage.calls:>6}{tokens:>8}{s.judged:>8}{s.exact:>7}{s.silent:>8}",
                flush=True,
            )
    print()
    for arm, (calls, tokens, judged, exact, silent) in totals.items():
        print(f"{arm:<9} calls {calls:>4}  tokens {tokens:>8}  accuracy {exact / max(judged, 1):7.2%}  silent {silent}")
    ratio = totals["hybrid"][1] / max(totals["baseline"][1], 1)
    print(f"hybrid tokens / baseline tokens: {ratio:.1%}")


if __name__ == "__main__":
    main()
