"""`xxgk`: the command line over the same core as `extractor.extract`."""

from __future__ import annotations

import functools
import glob
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from extractor import CORE_BUILD, __version__
from extractor.core.schema import Report, Usage
from extractor.library import extract
from extractor.read.load import OFFLINE, InputError, display_name, is_url
from extractor.results.evaluate import ReportScore, Tally, gold_pairs, load_gold, score

if TYPE_CHECKING:
    from extractor.distributed import Cluster
    from extractor.llm.client import ModelClient
    from extractor.review.decisions import DecisionStore

# The files a directory or a glob pattern contributes: the formats reports are published in (.doc is
# taken so that its reader can say it must be saved as .docx). A file named on the command line is
# taken whatever it is: naming it says it is meant.
REPORT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".shtml", ".pdf", ".docx", ".doc"})
# Pictures in a folder of reports are mostly logos and photos: skipped, and counted. A scan saved as an
# image is read when named (`xxgk extract scans/*.png`, or the file itself), with the OCR extra.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
# A folder's own documentation, whatever its format (README.md, LICENSE.txt).
DOCUMENTATION = frozenset({"readme", "license", "licence", "changelog", "contributing", "copying", "authors"})


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # why -> how many

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {why}" for why, n in self.skipped.most_common())
        return f"skipped {sum(self.skipped.values())} file(s) that are not reports: {kinds}"


def expand(paths: tuple[str, ...], outputs: tuple[Path, ...] = ()) -> Inputs:
    """Files named, files under directories named and files matching glob patterns ('reports/**/*.html').

    From directories and patterns only report files are taken: not hidden files, not a saved page's
    asset folder (page_files/), not gold files, not this run's own outputs (`outputs`), not other types.
    """
    found = Inputs()
    own = {o.resolve() for o in outputs}
    for raw in paths:
        p = Path(raw)
        if not p.exists() and glob.has_magic(raw):
            matches = [Path(m) for m in sorted(glob.glob(raw, recursive=True)) if Path(m).is_file()]
            if not matches:
                found.files.append(p)  # a pattern matching nothing is named like a missing file
            _take(matches, found, own, images=True)
        elif p.is_dir():
            _take((f for f in sorted(p.rglob("*")) if f.is_file()), found, own, under=p)
        else:
            found.files.append(p)
    return found


def _take(
    files: Iterable[Path], found: Inputs, own: set[Path], under: Path | None = None, images: bool = False
) -> None:
    for f in files:
        if images and f.suffix.lower() in IMAGE_SUFFIXES and not f.name.startswith("."):
            found.files.append(f)  # a pattern that names pictures asks for them
            continue
        parts = f.relative_to(under).parts if under is not None else f.parts
        why = _not_a_report_file(f, parts, own)
        if why is None:
            found.files.append(f)
        else:
            found.skipped[why] += 1


def _not_a_report_file(f: Path, parts: tuple[str, ...], own: set[Path]) -> str | None:
    if any(part.startswith(".") for part in parts):
        return "hidden"
    if any(part.endswith("_files") for part in parts[:-1]):
        return "in a saved page's asset folder"
    if f.name.endswith(".gold.json"):
        return "gold"
    if f.name.endswith(".errors.jsonl") or (any(f.name == o.name for o in own) and f.resolve() in own):
        return "output of this tool"
    if f.stem.lower() in DOCUMENTATION:
        return "documentation (README, LICENSE, …)"
    suffix = f.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return f"{suffix} (a picture: name it, or match it with a pattern, to read it as a scan)"
    return None if suffix in REPORT_SUFFIXES else (suffix or "without extension")


def _extract_stdin(output: str, flat: bool, llm: ModelClient | None) -> None:
    """One report read from standard input (`cat report.html | xxgk extract -`), named <stdin>."""
    from extractor.pipeline import extract_document
    from extractor.read.load import load_bytes
    from extractor.results import jsonl

    try:
        report = extract_document(load_bytes(sys.stdin.buffer.read(), "<stdin>"), llm)
    except InputError as e:
        _fail(f"<stdin>: {e}")
        sys.exit(1)
    line = jsonl.dumps({**report.flat(), "content_hash": report.content_hash}) if flat else report.model_dump_json()
    if output == "-":
        click.echo(line)
    else:
        Path(output).write_text(line + "\n", encoding="utf-8")


def _fail(message: str) -> None:
    click.echo(f"xxgk: {message}", err=True)


def run_one(path: Path, llm: ModelClient | None = None) -> Report | None:
    try:
        return extract(path, llm=llm)
    except InputError as e:
        _fail(f"{path}: {e}")
    except Exception as e:  # one bad file must not end a batch; say what happened in one line
        _fail(f"{path}: internal error ({type(e).__name__}: {e})")
    return None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xxgk", message=f"%(prog)s, version %(version)s (core {CORE_BUILD})")
def main() -> None:
    """Extract typed, verified records from 政府信息公开工作年度报告."""


def llm_options(f: Any) -> Any:
    """The model flags shared by `extract` and `eval`; unset flags fall back to XXGK_LLM_* / OPENAI_*."""
    options = [
        click.option("--llm-base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1."),
        click.option("--llm-model", help="Model name at that endpoint ('local' for `xxgk serve-local`)."),
        click.option(
            "--llm-mode",
            type=click.Choice(["json", "md_json", "tools", "json_schema"]),
            help="How instructor asks for JSON (default json: works on local servers and hosted APIs).",
        ),
        click.option("--no-llm", is_flag=True, help="Rules only, even when a model is configured."),
        click.option("--no-cache", is_flag=True, help="Do not use or fill the on-disk cache of model answers."),
    ]

    @functools.wraps(f)
    def with_llm(
        *args: Any,
        llm_base_url: str | None,
        llm_model: str | None,
        llm_mode: str | None,
        no_llm: bool,
        no_cache: bool,
        **kwargs: Any,
    ) -> Any:
        return f(*args, llm=make_llm(llm_base_url, llm_model, llm_mode, no_llm, no_cache), **kwargs)

    for option in reversed(options):
        with_llm = option(with_llm)
    return with_llm


def make_llm(
    base_url: str | None, model: str | None, mode: str | None, no_llm: bool, no_cache: bool
) -> ModelClient | None:
    if no_llm:
        return None
    from extractor.llm.config import ModelConfig

    try:
        config = ModelConfig.from_env(base_url=base_url, model=model, mode=mode)
    except ValueError as e:  # a bad XXGK_LLM_* setting: one line, no traceback
        raise click.ClickException(str(e)) from None
    if config.base_url and not config.model:  # an endpoint alone: the alias `xxgk serve-local` serves
        config = replace(config, model="local")
    if not config.enabled:
        return None
    if no_cache:
        config = replace(config, cache_dir=None)
    _fail(f"model path on: {config.model} at {config.base_url} (mode {config.mode})")
    from extractor.llm.client import ModelClient  # openai and instructor: imported only when a model is used

    try:
        return ModelClient(config)
    except ValueError as e:  # e.g. an unknown mode from XXGK_LLM_MODE (the flag is checked by click)
        raise click.ClickException(str(e)) from None


def _cluster(scheduler: str | None, output: str) -> Cluster | None:
    """The Dask cluster to run on, and whether its workers write the records in parts (-o DIR/)."""
    partitioned = output != "-" and (output.endswith(("/", os.sep)) or Path(output).is_dir())
    if scheduler is None:
        if partitioned:
            raise click.ClickException(f"{output}: a directory output (parts) needs --scheduler; give -o FILE")
        return None
    try:
        from extractor import distributed
    except ImportError as e:
        raise click.ClickException(f"{e.name} is needed for --scheduler: pip install 'xxgk-extractor[dask]'") from None
    if scheduler.startswith("local:") and not scheduler[len("local:") :].isdigit():
        raise click.ClickException(f"--scheduler {scheduler}: local:N needs a number of workers (local:4)")
    try:
        client = distributed.connect(scheduler)
    except (OSError, ValueError, TimeoutError) as e:
        raise click.ClickException(f"cannot reach the Dask scheduler {scheduler}: {e}") from None
    return distributed.Cluster(client, parts=Path(output) if partitioned else None)


def _remote_files(urls: list[str]) -> list[str]:
    """fsspec URLs (s3://, gcs://, file://) expanded to report files, listed but not read."""
    if not urls:
        return []
    try:
        from extractor.distributed import expand_urls
    except ImportError as e:
        raise click.ClickException(f"{e.name} is needed for {urls[0]}: pip install 'xxgk-extractor[dask]'") from None
    try:
        found = expand_urls(urls)
    except ImportError as e:  # the store's own package: s3fs, gcsfs
        raise click.ClickException(f"{urls[0]}: {e}") from None
    except (OSError, ValueError) as e:
        raise click.ClickException(f"cannot list {urls[0]}: {e}") from None
    files = []
    skipped: Counter[str] = Counter()
    for url, parts in found:
        why = None if parts is None else _not_a_report_file(Path("/", *parts), parts, set())
        if why is None:
            files.append(url)
        else:
            skipped[why] += 1
    if skipped:
        _fail(Inputs(skipped=skipped).summary())
    return files


def _usage_line(total: Usage) -> str:
    return (
        f"model: {total.calls} calls, {total.retries} retries, {total.cached} cached, "
        f"{total.prompt_tokens} prompt + {total.completion_tokens} completion tokens, "
        f"{len(total.errors)} failed" + (f" (first: {total.errors[0]})" if total.errors else "")
    )


@main.command("extract", short_help="Extract reports to JSON Lines, one record per report.")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="FILE",
    help="Output file (JSON Lines); '-' for standard output; DIR/ for parts (with --scheduler).",
)
@click.option("--flat", is_flag=True, help="Write flat records (field id -> value) instead of full records.")
@click.option(
    "-j", "--workers", type=click.IntRange(1), default=os.cpu_count() or 1, show_default="all cores",
    help="Worker processes for rules-only extraction.",
)  # fmt: skip
@click.option("--resume", is_flag=True, help="Skip inputs whose content hash is already in OUTPUT; append the rest.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.option(
    "--file-timeout", type=click.FloatRange(min=0), default=60, show_default=True, metavar="SECONDS",
    help="Give up on a file still not read after this long (one error line; 0: no limit).",
)  # fmt: skip
@click.option(
    "--scheduler", metavar="ADDRESS",
    help="Run on a Dask cluster: local:N for N local workers, or a scheduler's address (the dask extra).",
)  # fmt: skip
@llm_options
def extract_cmd(
    paths: tuple[str, ...],
    output: str,
    flat: bool,
    workers: int,
    resume: bool,
    progress: bool | None,
    file_timeout: float,
    scheduler: str | None,
    llm: ModelClient | None,
) -> None:
    """Extract reports (files, directories, glob patterns, or - for standard input) to JSON Lines,
    one record per report, in input order.

    A file that fails is named on stderr and in OUTPUT.errors.jsonl; the exit status is 0 only when
    every file gave a record. Directories give only report files; what they skip is counted.

    With --scheduler the files run on Dask workers and records are written as they finish; inputs
    may then be fsspec URLs (s3://…), and -o DIR/ has the workers write the records in parts.

    \b
    Examples:
      xxgk extract reports/ -o results.jsonl
      xxgk extract 'site/**/*.html' -o results.jsonl --resume
      cat report.html | xxgk extract - --flat
      xxgk extract reports/ -o results/ --scheduler local:4
    """
    from extractor.results import batch, crossyear

    if resume and output == "-":
        raise click.ClickException("--resume needs an output file (-o FILE)")
    if paths == ("-",):
        _extract_stdin(output, flat, llm)
        return
    if "-" in paths:
        raise click.ClickException("'-' (standard input) is a report of its own: give it alone")
    cluster = _cluster(scheduler, output)
    parts = cluster.parts if cluster else None
    out_path = None if output == "-" or parts else Path(output)
    errors_path = out_path.with_name(out_path.stem + ".errors.jsonl") if out_path else None
    if parts:
        errors_path = parts / "errors.jsonl"
    web = [p for p in paths if p.startswith(("http://", "https://"))]
    for url in web:
        _fail(f"{url}: {OFFLINE}")
    remote = [p for p in paths if is_url(p) and p not in web]
    inputs = expand(tuple(p for p in paths if not is_url(p)), tuple(p for p in (out_path, errors_path) if p))
    if inputs.skipped:
        _fail(inputs.summary())
    missing = [p for p in inputs.files if not p.exists()]
    for p in missing:
        _fail(f"{display_name(p)}: no such file or directory")
    files: list[str | Path] = [p for p in inputs.files if p.exists()]
    files += _remote_files(remote)
    try:
        if parts:
            from extractor import distributed

            parts.mkdir(parents=True, exist_ok=True)
            skip = distributed.done_hashes(parts) if resume else set()
        else:
            skip = batch.done_hashes(out_path) if resume and out_path else set()
        if out_path:
            out_path.parent.mkdir(parents=True, exist_ok=True)
        out: BinaryIO | None = (  # records are written as the UTF-8 bytes they are encoded to
            None if parts else open(out_path, "ab" if resume else "wb") if out_path else sys.stdout.buffer  # noqa: SIM115
        )
        if errors_path and not resume:
            errors_path.unlink(missing_ok=True)  # a side file from an earlier run would tell of its errors
        errors = batch.ErrorFile(errors_path, resume=resume) if errors_path else None
    except OSError as e:
        raise click.ClickException(f"cannot write {output}: {e.strerror}") from None
    except ValueError as e:  # --resume onto a file that is not a results file
        raise click.ClickException(str(e)) from None
    if workers == 1 and cluster is None and llm is None:
        batch.limit_memory()  # this process is the worker: a pathological file is one error line
    try:
        with _progress_bar(len(files), progress) as tick:
            summary = batch.run(
                files, out, flat=flat, workers=workers, llm=llm, skip=skip, errors=errors, on_progress=tick,
                cluster=cluster, seconds=file_timeout,
            )  # fmt: skip
    finally:
        if out is not None and out is not sys.stdout.buffer:
            out.close()
        if errors is not None:
            errors.close()
        if cluster is not None:
            cluster.close()
    for source, error in summary.errors:
        _fail(f"{source}: {error}")
    failed = summary.failed + len(missing) + len(web)
    resumed = f", {summary.skipped} already done" if resume else ""
    click.echo(
        f"xxgk: {summary.done} extracted{resumed}, {failed} failed, {summary.flagged} fields to review", err=True
    )
    outputs = [out_path] if out_path and out_path.exists() else []
    if parts:
        from extractor import distributed

        outputs = distributed.part_files(parts)
    if outputs:
        # A fresh single output this run wrote whole: its records' figures were kept as they were written.
        fresh = summary.entries if not resume and not parts and out_path is not None else None
        found = crossyear.annotate(*outputs, written=fresh)
        if found.pairs:
            _fail(found.summary())
    if parts:
        manifest = distributed.write_manifest(parts)
        _fail(f"{manifest['records']} records in {len(manifest['parts'])} parts; see {parts / 'manifest.json'}")
    if llm is not None:
        _fail(_usage_line(summary.usage))
    if failed:
        sys.exit(1)


@contextmanager
def _progress_bar(total: int, show: bool | None) -> Iterator[Callable[[object], None]]:
    """A rich progress bar on stderr with rate and ETA; a no-op when stderr is not a terminal."""
    if not (sys.stderr.isatty() if show is None else show):  # rich is not even imported: a batch job's start-up
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("extract", total=total, rate="")

        def tick(_: object) -> None:
            bar.advance(task)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.1f} files/s" if speed else "")

        yield tick


@main.command("eval", short_help="Score extraction against *.gold.json files.")
@click.argument("dirs", nargs=-1, required=True)
@click.option("--worst", default=5, show_default=True, help="How many of the worst reports to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object (for scripts).")
@llm_options
def eval_cmd(dirs: tuple[str, ...], worst: int, as_json: bool, llm: ModelClient | None) -> None:
    """Extract every report with a *.gold.json beside it and score it against the gold values:
    accuracy, silent errors, review load and false certainty, per section.

    \b
    Examples:
      xxgk eval tests/corpus/seeds tests/corpus/real
      xxgk eval tests/corpus/seeds --json
    """
    usage = Usage()
    for d in dirs:
        if not Path(d).is_dir():
            raise click.ClickException(f"no such directory: {d}")
    pairs = gold_pairs(dirs)
    if not pairs:
        raise click.ClickException(f"no *.gold.json files in {', '.join(dirs)}")
    scores: list[ReportScore] = []
    failed = 0
    for report_path, gold_path in pairs:
        report = run_one(report_path, llm)
        if report is None:
            failed += 1
            continue
        usage.add(report.usage)
        scores.append(score(report.flat(), load_gold(gold_path)))
    if as_json:
        click.echo(json.dumps(_eval_json(scores, usage if llm is not None else None), ensure_ascii=False))
    else:
        _print_eval(scores, worst)
    if llm is not None and not as_json:
        click.echo(_usage_line(usage))
    if failed:
        _fail(f"{failed} report(s) could not be extracted")
        sys.exit(1)


def _eval_json(scores: list[ReportScore], usage: Usage | None) -> dict[str, Any]:
    """Every metric of the table, per section and in all, and each report's wrong fields."""

    def tally(t: Tally) -> dict[str, Any]:
        return {**vars(t), "accuracy": t.accuracy, "review_load": t.review_load}

    sections, total = _tallies(scores)
    reports = [
        {"source": s.source, **tally(s.total),
         "wrong": [{"field": f, "gold": g, "got": v, "in_review": r} for f, g, v, r in s.wrong]}
        for s in scores
    ]  # fmt: skip
    out: dict[str, Any] = {"all": tally(total), "sections": {k: tally(v) for k, v in sorted(sections.items())}}
    out["reports"] = reports
    if usage is not None:
        out["usage"] = usage.model_dump()
    return out


def _tallies(scores: list[ReportScore]) -> tuple[dict[str, Tally], Tally]:
    """The reports' scores summed per section and in all."""
    sections: dict[str, Tally] = {}
    total = Tally()
    for s in scores:
        total.add(s.total)
        for name, t in s.by_section.items():
            sections.setdefault(name, Tally()).add(t)
    return sections, total


def _print_eval(scores: list[ReportScore], worst: int) -> None:
    sections, total = _tallies(scores)
    click.echo(f"{'section':<14}{'judged':>7}{'exact':>7}{'accuracy':>10}{'silent':>8}{'review':>8}{'false-cert':>11}")
    for name, t in [*sorted(sections.items()), ("ALL", total)]:
        row = f"{name:<14}{t.judged:>7}{t.exact:>7}{t.accuracy:>9.2%} {t.silent:>7}"
        click.echo(f"{row}{t.review_load:>8.1%}{t.false_certain:>11}")
    click.echo(f"reports: {len(scores)}; silent errors: {total.silent}; false certainty: {total.false_certain}")
    bad = sorted((s for s in scores if s.wrong), key=lambda s: -len(s.wrong))[:worst]
    for s in bad:
        click.echo(f"\n{s.source}: {len(s.wrong)} wrong ({s.total.silent} silent)")
        for fid, gold, got, reviewed in s.wrong[:12]:
            click.echo(f"  {fid}: gold {gold!r}, got {got!r}{'  [in review]' if reviewed else '  [SILENT]'}")
        if len(s.wrong) > 12:
            click.echo(f"  … {len(s.wrong) - 12} more")


@main.command("export", short_help="Results as CSV, Excel, Parquet or JSON Lines.")
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--to", "fmt", type=click.Choice(["csv", "xlsx", "parquet", "jsonl"]), required=True, help="Output format."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help="Default: RESULTS.<format>"
)
@click.option("--flat", is_flag=True, help="Values only (no confidence and status columns); flat records for jsonl.")
@click.option(
    "--labels",
    type=click.Choice(["id", "zh"]),
    help="Column names: field ids or the official Chinese labels. Default: zh for xlsx, id otherwise.",
)
@click.option("--apply-reviews", is_flag=True, help="Apply the reviewers' decisions (see `xxgk review`).")
@click.option("--reviews", type=click.Path(dir_okay=False, path_type=Path), help="Default: RESULTS.reviews.sqlite")
def export_cmd(
    results: Path,
    fmt: str,
    output: Path | None,
    flat: bool,
    labels: str | None,
    apply_reviews: bool,
    reviews: Path | None,
) -> None:
    """Write extraction results as one row per report: CSV, Excel, Parquet (typed columns) or JSON Lines.

    The Excel workbook has the reports (fields in review in yellow), a sheet of the fields to review with
    their reasons and evidence, and a sheet naming every column.

    \b
    Examples:
      xxgk export results.jsonl --to xlsx
      xxgk export results.jsonl --to csv --labels zh
      xxgk export results.jsonl --to parquet --flat --apply-reviews
    """
    from extractor.results import export

    target = output or results.with_suffix(f".{fmt}")
    if output is None and target == results:
        target = results.with_name(f"{results.stem}.export.{fmt}")
    if target.resolve() == results.resolve():
        raise click.ClickException("the export would overwrite RESULTS; give another -o")
    records = export.read_records(results)
    if apply_reviews:
        records = _reviewed(records, _decisions(reviews or reviews_db(results)))
    try:
        if fmt == "csv":
            n = export.to_csv(records, target, flat=flat, labels=labels or "id")  # type: ignore[arg-type]
        elif fmt == "xlsx":
            n = export.to_xlsx(records, target, flat=flat, labels=labels or "zh")  # type: ignore[arg-type]
        elif fmt == "jsonl":
            n = export.to_jsonl(records, target, flat=flat)
        else:
            n = export.to_parquet(records, target, flat=flat, labels=labels or "id")  # type: ignore[arg-type]
    except ImportError as e:
        raise click.ClickException(f"{e.name} is needed for {fmt}: pip install 'xxgk-extractor[export]'") from None
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"xxgk: {n} report(s) written to {target}", err=True)


def reviews_db(results: Path) -> Path:
    return results.with_name(results.name + ".reviews.sqlite")


def _decisions(db: Path) -> DecisionStore:
    """The review database, opened before any output is written."""
    from extractor.review.decisions import DecisionStore

    if not db.exists():
        raise click.ClickException(f"{db}: no review decisions there (run `xxgk review` first, or give --reviews)")
    try:
        return DecisionStore(db)
    except ValueError as e:
        raise click.ClickException(str(e)) from None


def _reviewed(records: Iterator[dict], store: DecisionStore) -> Iterator[dict]:
    from extractor.review.decisions import apply

    for record in records:
        if "values" in record:
            raise click.ClickException(f"{record.get('source')}: --apply-reviews needs full records, not --flat ones")
        yield apply(record, store.latest(record.get("content_hash", "")))


@main.command("review", short_help="Review the doubtful fields in the browser.")
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--port", default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Only loopback unless you mean otherwise.")
@click.option("--reviews", type=click.Path(dir_okay=False, path_type=Path), help="Default: RESULTS.reviews.sqlite")
@click.option(
    "--reviewer",
    default=lambda: os.environ.get("USER") or None,
    help="Name kept with each decision. Default: $USER; when unset, the page asks once.",
)
def review_cmd(results: Path, port: int, host: str, reviews: Path | None, reviewer: str | None) -> None:
    """A local web page to inspect, accept and correct the fields in review (keyboard driven).

    Decisions are kept in RESULTS.reviews.sqlite; `xxgk export --apply-reviews` applies them.

    \b
    Example:
      xxgk review results.jsonl
    """
    import socket

    import uvicorn

    from extractor.review.app import LOOPBACK_NAMES, create_app

    loopback = host in LOOPBACK_NAMES or host == "::1"
    if not loopback:
        _fail(f"warning: --host {host}: anyone who can reach this machine on port {port} can read the reports")
    try:
        app = create_app(results, reviews or reviews_db(results), reviewer, hosts=LOOPBACK_NAMES if loopback else None)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    except KeyError as e:
        raise click.ClickException(f"{results}: not extraction results (no {e} in a record)") from None
    # Bind first, so a port in use is one clear line and the address printed is one that answers.
    try:
        sock = socket.create_server((host, port))
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    click.echo(f"xxgk review: http://{host}:{port}/  ({len(app.state.queue)} fields to review; Ctrl-C to stop)")
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


@main.command("serve-local", short_help="Start the offline model (llama.cpp).")
@click.option("--port", default=8080, show_default=True)
@click.option("--threads", default=2, show_default=True)
def serve_local_cmd(port: int, threads: int) -> None:
    """Install (once) and start the offline model: Qwen2.5-Coder-1.5B on llama.cpp at 127.0.0.1:PORT.

    \b
    Example:
      xxgk serve-local --port 8080 &
      xxgk extract reports/ -o results.jsonl --llm-base-url http://127.0.0.1:8080/v1
    """
    from extractor.llm.local_model import LocalModelError, serve

    try:
        serve(port, threads)
    except LocalModelError as e:
        raise click.ClickException(str(e)) from None


if __name__ == "__main__":
    main()
