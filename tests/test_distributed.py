"""Batch extraction on a Dask LocalCluster (2 worker processes): the same records as the process pool,
nothing lost or written twice when a worker or the client is killed, a bad file is one error line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster, Semaphore

from extractor import distributed
from extractor.results import batch
from tests.conftest import corpus_reports
from tests.synth import write_corpus

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])
XXGK = [sys.executable, "-m", "extractor.cli"]


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """300 different synthetic reports: enough partitions to kill a worker while work is left, and
    each its own content hash (resume goes by content)."""
    d = tmp_path_factory.mktemp("many")
    write_corpus(d, 300, seed=21)
    files = sorted(d.iterdir())
    assert len({p.read_bytes() for p in files}) == len(files)
    return files


def sources(lines: list[bytes]) -> Counter[str]:
    return Counter(json.loads(line)["source"] for line in lines)


def test_records_match_the_process_pool_and_a_bad_file_is_one_error(client: Client, tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + os.urandom(300))
    files: list[str | Path] = [*corpus_reports(), bad]
    pooled, dasked = tmp_path / "pool.jsonl", tmp_path / "dask.jsonl"
    # The process pool, as `xxgk extract -j 2` runs it (its own process: the pool's sockets are not
    # the network, but the test session's network block cannot tell).
    p = subprocess.run(
        [*XXGK, "extract", *map(str, files), "-o", str(pooled), "-j", "2"], capture_output=True, text=True
    )
    assert p.returncode == 1 and p.stderr.count(f"{bad}: ") == 1
    with dasked.open("wb") as out, (tmp_path / "errors.jsonl").open("w") as errors:
        summary = batch.run(files, out, errors=errors, cluster=distributed.Cluster(client, partition=3))
    assert sorted(dasked.read_text("utf-8").splitlines()) == sorted(pooled.read_text("utf-8").splitlines())
    assert summary.done == len(files) - 1 and [s for s, _ in summary.errors] == [str(bad)]
    assert summary.errors[0][1] in p.stderr
    assert len((tmp_path / "errors.jsonl").read_text().splitlines()) == 1


def test_a_worker_killed_mid_run_loses_and_repeats_nothing(client: Client, many: list[Path], tmp_path: Path) -> None:
    cluster = distributed.Cluster(client, partition=4)
    pids = list(client.run(os.getpid).values())
    lines, killed = [], False
    for o in cluster.outcomes(list(many), flat=True, llm=None, skip=frozenset()):
        assert o.line is not None, o.error
        lines.append(o.line)
        if not killed:
            os.kill(pids[0], signal.SIGKILL)  # its running and queued partitions go to the other worker
            killed = True
    assert sources(lines) == Counter({str(p): 1 for p in many})
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for the tests after this one


def test_partitioned_output_resume_and_dataframe(client: Client, tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    files = corpus_reports()
    cluster = distributed.Cluster(client, parts=parts, partition=3)
    parts.mkdir()
    summary = batch.run(files[:6], None, flat=True, cluster=cluster)
    assert summary.done == 6 and len(distributed.part_files(parts)) == 2
    manifest = distributed.write_manifest(parts)
    assert manifest["records"] == 6
    # Resumed over all the files: only the new ones are done, in parts of a new run.
    again = distributed.Cluster(client, parts=parts, partition=3)
    summary = batch.run(files, None, flat=True, cluster=again, skip=distributed.done_hashes(parts))
    assert (summary.done, summary.skipped) == (len(files) - 6, 6)
    distributed.write_manifest(parts)
    records = list(distributed.read_records(parts))
    assert Counter(r["source"] for r in records) == Counter(map(str, files))
    frame = distributed.to_dataframe(parts)
    assert len(frame) == len(files) and "applications.new_received.total" in frame.columns


def test_fsspec_urls_are_read_by_the_workers(client: Client, tmp_path: Path) -> None:
    folder = corpus_reports()[0].parent
    urls = distributed.expand_urls([f"file://{folder.resolve()}"])
    reports_there = {p.name for p in corpus_reports() if p.parent == folder}
    named = [u for u, parts in urls if parts and parts[-1] in reports_there]
    assert len(named) == len(reports_there)
    reports = [r for r in distributed.extract_many(named, client) if not hasattr(r, "error")]
    assert {Path(r.source).name for r in reports} == {Path(u).name for u in named} != set()


def test_killed_client_then_resume_ends_with_each_report_once(many: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    cmd = [*XXGK, "extract", str(many[0].parent), "-o", str(out), "--scheduler", "local:2", "--no-progress"]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 20):
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the client and the LocalCluster it started
    proc.wait()
    first = out.read_bytes().count(b"\n")
    assert 0 < first < len(many), "the run was not killed mid-way"
    p = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert sources(out.read_text("utf-8").splitlines()) == Counter({str(p): 1 for p in many})


def _hold_model_slot(config: object, seconds: float) -> bool:
    slots = distributed._worker_llm(config)._slots  # type: ignore[arg-type]
    if not slots.acquire(timeout=seconds / 4):
        return False
    time.sleep(seconds)
    slots.release()
    return True


def test_model_calls_share_one_cap_across_workers(client: Client) -> None:
    from extractor.llm.config import ModelConfig

    config = ModelConfig(base_url="http://127.0.0.1:9/v1", model="m", concurrency=1)
    Semaphore(max_leases=config.concurrency, name=distributed.MODEL_SEMAPHORE)
    workers = list(client.scheduler_info()["workers"])
    first = client.submit(_hold_model_slot, config, 3.0, workers=[workers[0]], pure=False)
    time.sleep(1.0)
    second = client.submit(_hold_model_slot, config, 3.0, workers=[workers[1]], pure=False)
    # One lease: the second worker's call waits while the first one's is in flight.
    assert first.result() is True and second.result() is False


def test_a_directory_output_without_a_scheduler_is_one_clear_error(tmp_path: Path) -> None:
    p = subprocess.run(
        [*XXGK, "extract", str(corpus_reports()[0]), "-o", f"{tmp_path}/parts/"], capture_output=True, text=True
    )
    assert p.returncode == 1 and "needs --scheduler" in p.stderr and "Traceback" not in p.stderr


def test_a_file_past_the_time_limit_on_a_worker_is_one_error_line(client: Client, tmp_path: Path) -> None:
    from tests.documents import blocks_of, to_pdf

    slow = to_pdf(blocks_of(corpus_reports()[0]) * 6, tmp_path / "long.pdf")  # pdfminer takes a while
    outs = list(distributed.Cluster(client).outcomes([slow], flat=True, llm=None, skip=frozenset(), seconds=0.05))
    assert len(outs) == 1 and outs[0].error is not None and outs[0].error.startswith("still not read after")


def test_a_url_without_a_cluster_keeps_its_name_and_resumes(tmp_path: Path) -> None:
    url = f"file://{corpus_reports()[0].resolve()}"
    out = tmp_path / "out.jsonl"
    cmd = [*XXGK, "extract", url, "-o", str(out), "--no-progress"]
    assert subprocess.run(cmd, capture_output=True, text=True).returncode == 0
    assert json.loads(out.read_text("utf-8"))["source"] == url  # not file:/… (a Path drops a slash)
    p = subprocess.run([*cmd, "--resume"], capture_output=True, text=True)
    assert "1 already done" in p.stderr and len(out.read_text("utf-8").splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["s3://no-such-bucket/reports/"], "s3fs"),  # the store's package is not installed
        ([str(corpus_reports()[0]), "--scheduler", "local:many"], "local:N needs a number of workers"),
    ],
    ids=["store-package-missing", "bad-local-scheduler"],
)
def test_cluster_mistakes_are_one_clear_line(args: list[str], message: str, tmp_path: Path) -> None:
    p = subprocess.run([*XXGK, "extract", *args, "-o", str(tmp_path / "o.jsonl")], capture_output=True, text=True)
    assert p.returncode == 1 and message in p.stderr and "Traceback" not in p.stderr
