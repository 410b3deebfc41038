"""Batch runs: many files in, one JSON line per report out, written as each file finishes.

- Parallel: rules-only extraction runs in worker processes (parsing is CPU-bound); with a model the
  work is waiting on the model, so threads share one client and its cap on concurrent calls.
- Durable: each record is written and flushed as soon as its file is done, so killing the run loses
  nothing finished. `resume` skips inputs whose content hash is already in the output (a line cut
  off by the kill is dropped first), so a resumed run ends with exactly one record per input.
- Lean: the collector is told that what start-up built lives as long as the process
  (`settle_collector`), so it does not walk it again for every report.
- Honest: a file that fails is named in one line, recorded in a side file (OUTPUT.errors.jsonl) and
  counted in the summary; it never stops the batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from extractor.core.schema import Usage
from extractor.pipeline import extract_document
from extractor.read.load import InputError, display_name, is_url, load_bytes, read_bytes
from extractor.results import crossyear, jsonl
from extractor.results.crossyear import Entry
from extractor.results.pool import imap_surviving
from extractor.rules.record import blank

if TYPE_CHECKING:
    from extractor.distributed import Cluster
    from extractor.llm.client import ModelClient


@dataclass
class Outcome:
    """What one input gave: a serialised record, or the one-line reason it gave none."""

    source: str
    line: bytes | None = None  # the record: one line of UTF-8 JSON, without its newline
    error: str | None = None
    usage: Usage | None = None
    flagged: int = 0
    skipped: bool = False  # its content hash was already in the output (resume, checked where it was read)
    # The figures the cross-year pass needs, taken from the record as it was made (flat records), so
    # that the batch need not parse its whole output again: None when the record has no agency or year.
    figures: Entry | None = None
    figured: bool = False  # figures were taken (a full record leaves them to the pass)


class SideFile:
    """A text file opened (for appending) only when its first line is written: a run without errors
    leaves no empty error file behind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def write(self, text: str) -> int:
        if self._file is None:
            self._file = self.path.open("a", encoding="utf-8")
        return self._file.write(text)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class ErrorFile(SideFile):
    """OUTPUT.errors.jsonl. A resumed run tries the failed files again, but a file already named in
    it (by the run that was killed) is not named twice."""

    def __init__(self, path: Path, *, resume: bool = False) -> None:
        super().__init__(path)
        self.named: set[str] = set()
        if resume and path.exists():
            jsonl.repair(path)  # a line cut off by the kill
            with path.open(encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        self.named.add(jsonl.loads(line)["source"])
                    except (ValueError, KeyError, TypeError):
                        continue


@dataclass
class Summary:
    done: int = 0
    skipped: int = 0  # already in the output (resume)
    failed: int = 0
    flagged: int = 0
    usage: Usage = field(default_factory=lambda: blank(Usage))  # unvalidated: builds no validator
    errors: list[tuple[str, str]] = field(default_factory=list)
    written: int = 0  # records written to `out` by this run
    # The cross-year figures of the records written, by line; None once a record came without them.
    entries: list[Entry] | None = field(default_factory=list)

    def take(self, o: Outcome, out: IO[bytes] | None, errors: IO[str] | SideFile | None) -> None:
        """Count one outcome, writing its record to `out` (None: already written by a worker) and its
        error to `errors`, each flushed at once so that a kill loses nothing finished."""
        if o.skipped:
            self.skipped += 1
        elif o.line is not None:
            if out is not None:
                out.write(o.line + b"\n")
                out.flush()
                if self.entries is not None and not o.figured:
                    self.entries = None
                elif self.entries is not None and o.figures is not None:
                    self.entries.append(replace(o.figures, line=self.written))
                self.written += 1
            self.done += 1
            self.flagged += o.flagged
            if o.usage is not None:
                self.usage.add(o.usage)
        else:
            self.failed += 1
            self.errors.append((o.source, o.error or "unknown error"))
            if errors is not None and not (isinstance(errors, ErrorFile) and o.source in errors.named):
                errors.write(jsonl.dumps({"source": o.source, "error": o.error}) + "\n")
                errors.flush()


def file_hash(path: str | Path) -> str:
    """The content hash records carry (sha256 of the file's bytes), read in blocks (a URL whole)."""
    if is_url(path):
        try:
            return hashlib.sha256(read_bytes(path)).hexdigest()
        except InputError as e:
            raise OSError(str(e)) from None
    path = Path(path)
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# Word and PDF readers leave reference cycles behind (lxml proxies, pdfminer's layout tree). With the
# collector's thresholds raised (settle_collector) they piled up to ~300 MB per process before a full
# collection; collected after each such file they cost a few ms, next to the tens the file took.
STRUCTURED = frozenset({"docx", "pdf"})

# A report takes well under a second; a file still running after a minute is a pathological input
# (a damaged PDF that sends pdfminer round in circles), and one such file must not stall a worker.
FILE_SECONDS = 60.0


class FileTimeout(BaseException):
    """Raised by the alarm in the middle of whatever the file was doing. A BaseException, so that
    the readers' `except Exception` (a damaged page is one error) cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """FileTimeout raised after `seconds` of wall time (0: no limit). In a process's main thread (the
    pool's workers, -j 1) by SIGALRM; in other threads (Dask's workers, the model path's threads) by
    an exception sent to the thread. Either interrupts Python code (pdfminer, the rules), not a C
    call that never returns to Python."""
    if seconds <= 0:
        yield
    elif threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _thread_alarm(seconds):
            yield


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def alarm(_signum: int, _frame: object) -> None:
        raise FileTimeout

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# An exception sent to a thread is lost when it lands in a __del__ or a callback (Python ignores
# those): sent again at this interval until the file's block is left.
_RESEND = 0.2


@contextlib.contextmanager
def _thread_alarm(seconds: float) -> Iterator[None]:
    thread = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state: dict[str, Any] = {"inside": True, "fired": False, "timer": None}

    def fire() -> None:
        with lock:
            if state["inside"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(thread, ctypes.py_object(FileTimeout))
                state["fired"] = True
                arm(_RESEND)

    def arm(after: float) -> None:
        timer = threading.Timer(after, fire)
        timer.daemon = True
        state["timer"] = timer
        timer.start()

    with lock:
        arm(seconds)
    try:
        yield
    finally:
        with lock:
            state["inside"] = False
            state["timer"].cancel()
            if state["fired"]:  # sent but perhaps not yet raised: it must not go off after the file
                ctypes.pythonapi.PyThreadState_SetAsyncExc(thread, None)


def with_model(seconds: float, llm: ModelClient | None) -> float:
    """The time one file may take: with the model path, the model's deadline comes on top."""
    return seconds + llm.config.deadline if seconds > 0 and llm is not None else seconds


def extract_one(
    path: str | Path,
    flat: bool = False,
    llm: ModelClient | None = None,
    skip: frozenset[str] = frozenset(),
    seconds: float = FILE_SECONDS,
) -> Outcome:
    """Extract one file (a path, or an fsspec URL on a cluster) into a serialised record; every
    failure becomes a one-line error, a file running past `seconds` too. The one per-file step of the
    process pool and of Dask alike."""
    source = display_name(path)
    try:
        with time_limit(seconds):
            data = read_bytes(path)
            if skip and hashlib.sha256(data).hexdigest() in skip:
                return Outcome(source, skipped=True)
            doc = load_bytes(data, source)
            report = extract_document(doc, llm)
            if doc.kind in STRUCTURED:
                gc.collect()
    except FileTimeout:
        return Outcome(source, error=f"still not read after {seconds:g} s (a pathological file?); gave up on it")
    except MemoryError:
        return Outcome(source, error="ran out of memory reading it (a pathological file?); gave up on it")
    except InputError as e:
        return Outcome(source, error=str(e))
    except Exception as e:  # one bad file must not end a batch; say what happened in one line
        return Outcome(source, error=f"internal error ({type(e).__name__}: {e})")
    if flat:
        record = {**report.flat(), "content_hash": report.content_hash}
        line = jsonl.encode(record)
        figures = crossyear.entry(0, record)
        return Outcome(source, line, usage=report.usage, flagged=len(report.review), figures=figures, figured=True)
    return Outcome(source, line=report.model_dump_json().encode(), usage=report.usage, flagged=len(report.review))


def _extract_chunk(tasks: list[tuple[str | Path, bool, float]]) -> list[Outcome]:
    return [extract_one(path, flat, seconds=seconds) for path, flat, seconds in tasks]


def _worker_died(task: tuple[str | Path, bool, float]) -> Outcome:
    why = "its worker process died reading it (killed, out of memory, or a crash in a library); not read"
    return Outcome(display_name(task[0]), error=why)


# Address space a worker may use. A report needs a few hundred MB at most; past this, the file gets
# one error line (MemoryError) instead of the kernel's OOM killer taking the worker, or the machine.
WORKER_MEMORY = 4 << 30


def limit_memory() -> None:
    """Cap this process's address space at WORKER_MEMORY: for processes that only extract (the pool's
    workers, the CLI's own process at -j 1), never for a library caller's."""
    with contextlib.suppress(ValueError, OSError, AttributeError):  # not on every platform
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _worker_start(ocr_threads: int) -> None:
    from extractor.read.ocr import THREADS_ENV

    settle_collector()
    limit_memory()
    os.environ[THREADS_ENV] = str(ocr_threads)  # read when the OCR engine is first made


def done_hashes(output: Path) -> set[str]:
    """Content hashes of the records already in `output`; drops a last line cut off by a kill."""
    jsonl.repair(output)
    return jsonl.content_hashes(output)


# A report allocates thousands of short-lived objects, freed by reference counting as soon as it is
# written; with the default thresholds the cycle collector ran about once per report, walking
# everything alive each time, and took ~11% of the CPU. Cycles are rare here: it may run less often.
GC_THRESHOLD = (20_000, 20, 20)


def settle_collector() -> None:
    """Call once start-up is done: modules, compiled patterns and the layout live as long as the
    process, so gc.freeze() takes them out of every later collection; reports' own objects are
    then collected at GC_THRESHOLD."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def outcomes(
    files: list[str | Path], *, flat: bool, workers: int, llm: ModelClient | None, seconds: float = FILE_SECONDS
) -> Iterator[Outcome]:
    """Outcomes in input order, so that a batch's output lists its reports as they were given. A slow
    file holds back the records after it until it is done; a kill loses none of them (--resume redoes
    what was not written)."""
    if llm is not None:
        limit = with_model(seconds, llm)
        with ThreadPoolExecutor(max(1, llm.config.concurrency)) as pool:
            yield from pool.map(lambda p: extract_one(p, flat, llm, seconds=limit), files)
        return
    if workers <= 1 or len(files) < 2:
        settle_collector()
        for p in files:
            yield extract_one(p, flat, seconds=seconds)
        return
    # Workers get files in small chunks; results stream back in input order, so memory stays flat. A
    # worker that dies costs only the file that killed it (extractor.results.pool).
    tasks = [(p, flat, seconds) for p in files]
    from extractor.read.ocr import threads  # here, not at start-up: a text batch never needs it

    start = partial(_worker_start, max(1, threads() // workers))
    yield from imap_surviving(_extract_chunk, tasks, workers, died=_worker_died, initializer=start)


def run(
    files: Iterable[str | Path],
    out: IO[bytes] | None,
    *,
    flat: bool = False,
    workers: int = 1,
    llm: ModelClient | None = None,
    skip: set[str] | None = None,
    errors: IO[str] | SideFile | None = None,
    on_progress: Callable[[Outcome | None], None] | None = None,
    cluster: Cluster | None = None,
    seconds: float = FILE_SECONDS,
) -> Summary:
    """Extract `files` to `out` (one line per record, flushed), skipping content hashes in `skip`.

    With `cluster`, the files run on Dask workers (extractor.distributed) and records are written as
    they finish; `out` is None when the workers write the records themselves (a partitioned output).
    `seconds`: the time one file may take before it is given up as an error line."""
    summary = Summary()
    if cluster is not None:
        stream = cluster.outcomes(list(files), flat=flat, llm=llm, skip=frozenset(skip or ()), seconds=seconds)
    else:
        todo: list[str | Path] = []
        for p in (f if is_url(f) else Path(f) for f in files):  # Path("s3://b/x") would lose a slash
            try:
                if skip and file_hash(p) in skip:
                    summary.skipped += 1
                    if on_progress:
                        on_progress(None)
                    continue
            except OSError:
                pass  # extract_one names the problem
            todo.append(p)
        stream = outcomes(todo, flat=flat, workers=workers, llm=llm, seconds=seconds)
    for o in stream:
        summary.take(o, out, errors)
        if on_progress:
            on_progress(None if o.skipped else o)
    return summary
