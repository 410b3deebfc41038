"""A built wheel is a working install: it carries its data (labels, field registry, templates, prompts)
and its model path sends, byte for byte, the requests the cassettes were recorded from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASSETTE = ROOT / "cassettes" / "test_model" / "test_corpus_report[004_d41cb1e17d5f5455].yaml"
LEGACY = ROOT / "tests" / "corpus" / "seeds" / "004_d41cb1e17d5f5455.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, "XXGK_PURE_PYTHON": "1"}  # the wheel's contents are tested here, not its compiled core
    p = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr[-2000:]
    (built,) = out.glob("xxgk_extractor-*.whl")
    return built


def test_the_wheel_carries_its_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = {p.name for p in (ROOT / "prompts").glob("*.md")}
    assert prompts and {f"extractor/llm/prompts/{name}" for name in prompts} <= names
    templates = {f"extractor/review/templates/{p.name}" for p in (ROOT / "extractor/review/templates").glob("*.html")}
    assert templates <= names
    for data in (
        "extractor/core/labels.toml",
        "extractor/core/fields.tsv",
        "extractor/llm/requirements-model-qwen1.5b.txt",
    ):
        assert data in names


REPLAY = (
    "import sys, httpx2, vcr, extractor\n"
    "from extractor import extract\n"
    "from extractor.llm.client import ModelClient\n"
    "from extractor.llm.config import ModelConfig\n"
    "config = ModelConfig(base_url='http://127.0.0.1:8080/v1', model='local', cache_dir=None, backoff=0.01)\n"
    "match = ['method', 'scheme', 'host', 'port', 'path', 'body']\n"
    "with vcr.VCR(record_mode='none', match_on=match).use_cassette(sys.argv[1]):\n"
    "    client = ModelClient(config, http_client=httpx2.Client(transport=httpx2.HTTPTransport()))\n"
    "    report = extract(sys.argv[2], llm=client)\n"
    "print(extractor.__file__)\n"
    "print(report.model_dump_json())\n"
)


def replay(env: dict[str, str], cwd: Path) -> tuple[str, dict]:
    p = subprocess.run(
        [sys.executable, "-c", REPLAY, str(CASSETTE), str(LEGACY)], capture_output=True, text=True, env=env, cwd=cwd
    )
    assert p.returncode == 0, p.stderr[-2000:]
    where, record = p.stdout.splitlines()
    return where, json.loads(record)


def test_the_installed_wheel_runs_the_model_path_from_a_cassette(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True
    )
    where, installed = replay({**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path)
    assert where.startswith(str(target))
    usage = installed["usage"]
    assert usage["calls"] >= 1 and not usage["errors"]  # every request it sent was one the cassette recorded
    _, source_tree = replay({**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert installed == source_tree  # the wheel is the same program as the source tree
