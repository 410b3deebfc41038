"""Batch runs: parallel workers, records written as files finish, resume after a kill, errors on the side."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.results import batch
from tests.conftest import CORPUS
from tests.synth import random_report, render

XXGK = [sys.executable, "-m", "extractor.cli"]


# Enough reports that a kill after the first 40 records lands half-way even on a fast, idle machine.
REPORTS = 600


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("many")
    rng = random.Random(7)
    for i in range(REPORTS):
        fmt = rng.choice(["2019", "2021"])
        text = render(random_report(rng, fmt), fmt, rng.choice(["markdown", "lines", "open"]), organ=f"某县{i}局")
        (d / f"r{i:03d}.txt").write_text(text, "utf-8")
    (d / "empty.txt").write_bytes(b"")
    return d


def sources(out: Path) -> list[str]:
    return [json.loads(line)["source"] for line in out.read_text("utf-8").splitlines()]


def test_workers_write_one_record_per_file_and_errors_on_the_side(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    p = subprocess.run(
        [*XXGK, "extract", str(corpus), "-o", str(out), "--flat", "-j", "2"], capture_output=True, text=True
    )
    assert p.returncode == 1  # the empty file failed
    got = sources(out)
    assert len(got) == len(set(got)) == REPORTS
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text("utf-8").splitlines()]
    assert [Path(e["source"]).name for e in errors] == ["empty.txt"] and "empty" in errors[0]["error"]


def test_a_run_killed_half_way_and_resumed_gives_exactly_one_record_per_input(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    cmd = [*XXGK, "extract", str(corpus), "-o", str(out), "-j", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.read_text("utf-8").count("\n") < 40):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # the whole run at once, workers included
    subprocess.run(["pkill", "-KILL", "-s", str(proc.pid)], check=False)
    proc.wait()
    before = out.read_text("utf-8").count("\n")
    assert 40 <= before < REPORTS, "the kill did not land half-way"
    p = subprocess.run(
        [*XXGK, "extract", str(corpus), "-o", str(out), "-j", "2", "--resume"], capture_output=True, text=True
    )
    assert "already done" in p.stderr
    got = sources(out)
    assert len(got) == len(set(got)) == REPORTS


def test_done_hashes_drops_a_line_cut_off_by_a_kill(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    done = '{"source": "a.txt", "content_hash": "a"}\n{"source": "b.txt", "content_hash": "b"}\n'
    out.write_text(done + '{"source": "c.txt", "content_ha', "utf-8")
    assert batch.done_hashes(out) == {"a", "b"}
    assert out.read_text("utf-8") == done


def test_glob_patterns_select_files(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    p = subprocess.run(
        [*XXGK, "extract", str(corpus / "r00*.txt"), "-o", str(out), "--flat"], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    assert sorted(Path(s).name for s in sources(out)) == [f"r00{i}.txt" for i in range(10)]


def test_a_file_name_that_is_not_utf8_is_written_escaped(tmp_path: Path) -> None:
    """Linux allows any bytes in a name; the record names the file with escapes instead of crashing."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"bad\xff\xfename.txt")
    (folder / name).write_bytes((CORPUS / "seeds" / "001_3c78160da86addac.txt").read_bytes())
    out = tmp_path / "out.jsonl"
    for flat in ([], ["--flat"]):
        p = subprocess.run([*XXGK, "extract", str(folder), "-o", str(out), *flat], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        (record,) = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert record["source"].endswith("bad\\xff\\xfename.txt")


def test_five_kills_at_random_moments_then_resume_leave_every_input_exactly_once(tmp_path: Path) -> None:
    """A 2,000-report batch (and a few files that fail) killed with SIGKILL, workers and all, five
    times at random moments, each run resuming the last; then resumed to the end."""
    from tests.synth import write_corpus

    d = tmp_path / "in"
    write_corpus(d, 2000, seed=11)
    for k in range(5):
        (d / f"broken{k}.txt").write_bytes(b"\x00\x01" * (k + 1))  # binary: an error line each
    inputs = sorted(str(p) for p in d.iterdir())
    out, errors = tmp_path / "out.jsonl", tmp_path / "out.errors.jsonl"
    cmd = [*XXGK, "extract", str(d), "-o", str(out), "-j", "2", "--flat", "--no-progress"]
    rng = random.Random(5)
    done_before = 0
    for round_ in range(5):
        proc = subprocess.Popen(
            cmd + (["--resume"] if round_ else []), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        # A random moment once this round has written something: mid-record, mid-flush, anywhere.
        target = done_before + rng.randint(1, 150)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < target):
            time.sleep(rng.uniform(0, 0.01))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        done_before = out.read_bytes().count(b"\n")
        assert done_before < len(inputs), f"round {round_}: the batch ended before the kill"
    p = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 1, p.stderr  # the broken files
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]  # every line whole JSON
    failed = [json.loads(line)["source"] for line in errors.read_text("utf-8").splitlines()]
    assert len(records) == len({r["source"] for r in records}) and len(failed) == len(set(failed))
    assert not {r["source"] for r in records} & set(failed)  # output and error file never disagree
    assert sorted([r["source"] for r in records] + failed) == inputs


def _descendants(pid: int) -> dict[int, int]:
    """pid -> depth below `pid`, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    depth: dict[int, int] = {}
    for p in parents:
        d, q = 0, p
        while q in parents and q != pid and d < 10:
            q, d = parents[q], d + 1
        if q == pid and p != pid:
            depth[p] = d
    return depth


def test_a_worker_killed_mid_batch_loses_no_file(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [*XXGK, "extract", str(corpus), "-o", str(out), "-j", "2", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 40):
        time.sleep(0.02)
    workers = [p for p, d in _descendants(proc.pid).items() if d == 2]  # the forkserver's children
    assert workers, "no worker found"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in stderr  # 1: the empty file
    got = sources(out)
    assert len(got) == len(set(got)) == REPORTS  # the killed worker's files were read again
