"""Batch extraction on a Dask cluster: the process pool's per-file step (`batch.extract_one`) run on
Dask workers, for batches that outgrow one machine. Needs the `dask` extra.

    xxgk extract reports/ -o results.jsonl --scheduler local:4           # a LocalCluster here
    xxgk extract reports/ -o results.jsonl --scheduler tcp://head:8786   # a running cluster
    xxgk extract 's3://bucket/reports/**' -o results/ --scheduler …      # parts written by the workers

    from extractor.distributed import extract_many
    for report in extract_many(paths, client): ...

Files travel as names: each worker reads its files itself (a shared file system, or fsspec URLs), so
the client never holds their bytes. Work goes out in partitions of PARTITION files; a partition whose
worker dies is run again by Dask on another, and its records are written only once it is done, so
nothing is lost or written twice. Records come back as partitions finish (not in input order).

A partitioned output (`-o DIR/`) has each partition's records written by the worker that made them
(`part-RRR-KKKKK.jsonl`, renamed into place when whole) and `manifest.json` listing the parts; the
client writes only the errors and the manifest. `--resume` skips every record already in a part.

Model calls from every worker share one cap (a Dask semaphore of `concurrency` leases) and the
response cache where the configuration points it (a directory on the shared file system).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed import Client, LocalCluster, Semaphore, as_completed

from extractor.core.schema import Report
from extractor.read.load import is_url
from extractor.results import jsonl
from extractor.results.batch import FILE_SECONDS, Outcome, extract_one, settle_collector, with_model

if TYPE_CHECKING:
    import pandas

    from extractor.llm.client import ModelClient
    from extractor.llm.config import ModelConfig

PARTITION = 32  # files per task: few tasks for the scheduler, yet spread evenly over the workers
MODEL_SEMAPHORE = "xxgk-model-calls"
MANIFEST = "manifest.json"
ERRORS = "errors.jsonl"
PART = re.compile(r"^part-(\d{3})-(\d{5})\.jsonl$")


def connect(scheduler: str) -> Client:
    """`local:N`: a LocalCluster of N worker processes (one thread each: parsing is CPU-bound);
    anything else: the address of a running scheduler (`tcp://host:8786`)."""
    if scheduler.startswith("local"):
        _, _, n = scheduler.partition(":")
        workers = int(n) if n else (os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster)
    return Client(scheduler)


@dataclass
class Cluster:
    """A Dask client, and where the records go: through the client (`parts` None) or into parts."""

    client: Client
    parts: Path | None = None
    partition: int = PARTITION

    def close(self) -> None:
        """Close the client, and the LocalCluster it started (a cluster it only joined runs on)."""
        cluster = self.client.cluster
        self.client.close()
        if isinstance(cluster, LocalCluster):
            cluster.close()

    def outcomes(
        self,
        files: list[str | Path],
        *,
        flat: bool,
        llm: ModelClient | None,
        skip: frozenset[str],
        seconds: float = FILE_SECONDS,
    ) -> Iterator[Outcome]:
        """Outcomes as partitions finish. The skip set goes to the workers once, not with every task."""
        config = llm.config if llm is not None else None
        if config is not None:  # made here first, so its number of leases is this run's
            Semaphore(max_leases=config.concurrency, name=MODEL_SEMAPHORE)
        # Sent once to every worker, not with each task (a list, or Dask would scatter each hash).
        shared = self.client.scatter([skip], broadcast=True)[0] if skip else frozenset()
        run_id = _next_run(self.parts) if self.parts else 0
        names = [str(f) for f in files]
        futures = []
        for k, start in enumerate(range(0, len(names), self.partition)):
            part = str(self.parts / f"part-{run_id:03d}-{k:05d}.jsonl") if self.parts else None
            chunk = names[start : start + self.partition]
            futures.append(
                self.client.submit(
                    run_partition, chunk, flat, shared, config, part, with_model(seconds, llm), pure=False
                )
            )
        # The manifest is written once, after the map (write_manifest): parts are whole or absent,
        # so a killed client's parts are found again by --resume without one.
        for future in as_completed(futures):
            yield from future.result()
            future.release()


def run_partition(
    files: list[str],
    flat: bool,
    skip: frozenset[str],
    config: ModelConfig | None,
    part: str | None,
    seconds: float = FILE_SECONDS,
) -> list[Outcome]:
    """One task on a worker: extract its files, each within `seconds`; with `part`, write their
    records there and send back only what the summary needs."""
    _settle_once()
    llm = _worker_llm(config) if config is not None else None
    outs = [extract_one(f, flat, llm, skip, seconds) for f in files]
    if part is not None:
        lines = [o.line for o in outs if o.line is not None]
        if lines:
            tmp = f"{part}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                f.writelines(line + b"\n" for line in lines)
            os.replace(tmp, part)  # whole or absent: a part is never read half-written
        for o in outs:
            if o.line is not None:
                o.line = b""  # written; the client counts it
    return outs


_settled = False
_llm: dict[str, ModelClient] = {}


def _settle_once() -> None:
    global _settled
    if not _settled:
        settle_collector()
        _settled = True


def _worker_llm(config: ModelConfig) -> ModelClient:
    """One model client per worker process, its calls capped by the cluster-wide semaphore."""
    from extractor.llm.client import ModelClient

    key = hashlib.sha256(repr(config).encode()).hexdigest()
    if key not in _llm:
        client = ModelClient(config)
        client._slots = Semaphore(max_leases=config.concurrency, name=MODEL_SEMAPHORE)  # type: ignore[assignment]
        _llm[key] = client
    return _llm[key]


# ------------------------------------------------------------------ partitioned output


def part_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if PART.match(p.name)) if directory.is_dir() else []


def done_hashes(directory: Path) -> set[str]:
    """Content hashes already in the parts (a part is whole or absent: it is renamed into place)."""
    hashes: set[str] = set()
    for p in part_files(directory):
        hashes |= jsonl.content_hashes(p)
    return hashes


def _next_run(directory: Path | None) -> int:
    runs = [int(m.group(1)) for p in part_files(directory) if (m := PART.match(p.name))] if directory else []
    return max(runs, default=-1) + 1


def write_manifest(directory: Path) -> dict[str, Any]:
    """manifest.json: every part with its number of records, and the error file; replaced atomically."""
    parts: list[dict[str, Any]] = [{"name": p.name, "records": _count_lines(p)} for p in part_files(directory)]
    manifest = {
        "parts": parts,
        "records": sum(p["records"] for p in parts),
        "errors": ERRORS if (directory / ERRORS).exists() else None,
    }
    tmp = directory / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
    os.replace(tmp, directory / MANIFEST)
    return manifest


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def read_records(directory: str | Path) -> Iterator[dict[str, Any]]:
    """Every record of a partitioned output, part by part, as its manifest lists them."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
    for part in manifest["parts"]:
        yield from jsonl.records(directory / part["name"])


def to_dataframe(directory: str | Path, *, flat: bool = True) -> pandas.DataFrame:
    """A pandas DataFrame of a partitioned output, one row per report (the `export` extra)."""
    from extractor.results.export import to_dataframe as frame

    return frame(read_records(directory), flat=flat)


# ------------------------------------------------------------------ library


def extract_many(
    paths: Iterable[str | Path], client: Client, *, llm: ModelClient | None = None, partition: int = PARTITION
) -> Iterator[Report | Outcome]:
    """Extract files on a Dask cluster, for notebooks: each report as it finishes, or the Outcome
    (its `source` and one-line `error`) of a file that gave none."""
    cluster = Cluster(client, partition=partition)
    for o in cluster.outcomes(list(paths), flat=False, llm=llm, skip=frozenset()):
        yield Report.model_validate_json(o.line) if o.line else o


def expand_urls(urls: Iterable[str]) -> list[tuple[str, tuple[str, ...] | None]]:
    """fsspec URLs as files, listed but not read: each file's URL with its path's parts under the
    folder or pattern it was found by (for the caller's filter), or None for a URL naming one file."""
    import fsspec

    out: list[tuple[str, tuple[str, ...] | None]] = []
    for url in urls:
        fs, path = fsspec.core.url_to_fs(url)
        if any(c in path for c in "*?["):
            found, root = fs.glob(path), ""
        elif fs.isdir(path):
            found, root = fs.find(path), path.rstrip("/") + "/"
        else:
            out.append((url, None))
            continue
        for p in sorted(found):
            rel = p[len(root) :] if root and p.startswith(root) else p
            out.append((_url(fs, p), tuple(x for x in rel.split("/") if x)))
    return out


def _url(fs: Any, path: str) -> str:
    protocol = fs.protocol[0] if isinstance(fs.protocol, tuple) else fs.protocol
    return f"file://{path}" if protocol in ("file", "local") else fs.unstrip_protocol(path)


__all__ = ["Cluster", "connect", "expand_urls", "extract_many", "is_url", "read_records", "to_dataframe"]
