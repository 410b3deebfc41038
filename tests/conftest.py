"""Shared fixtures: the corpus copied from ../shared/corpus (gold files untouched) and small helpers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import settings
from vcr import VCR
from vcr.serializers import yamlserializer

# CI replays the same examples every run (a red CI is then reproducible and never a roll of the dice);
# local runs keep exploring new ones. Any failing example found locally stays in .hypothesis/ to replay.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
FIELDS_TSV = HERE.parent / "extractor" / "core" / "fields.tsv"


def gold_of(report: Path) -> dict:
    stem = report.name.split(".")[0]
    return json.loads((report.parent / f"{stem}.gold.json").read_text("utf-8"))


def corpus_reports() -> list[Path]:
    return sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and not p.name.endswith(".json") and p.name != "README.md"
    )


@pytest.fixture
def seed_text() -> str:
    return (CORPUS / "seeds" / "002_9f5d170e6957ee3e.txt").read_text("utf-8")


# ---------------------------------------------------------------- cassettes (pytest-recording)
# Recorded from the real local model (`xxgk serve-local`); CI replays them with the network blocked.
# To re-record: start the server, then
#   .venv/bin/python -m pytest tests/test_model.py tests/test_reread.py --record-mode=rewrite
ROOT = HERE.parent
RECORDING_BASE_URL = os.environ.get("XXGK_RECORD_BASE_URL", "http://127.0.0.1:8080/v1")


def _readable(cassette: dict) -> str:
    # Unicode as itself, not \u escapes: a reviewer can read what the model was asked and said.
    return yaml.dump(cassette, Dumper=yamlserializer._CassetteDumper, allow_unicode=True, width=120)


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    vcr.register_serializer("yaml", SimpleNamespace(serialize=_readable, deserialize=yamlserializer.deserialize))


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / Path(str(request.node.fspath)).stem)


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    return {
        "serializer": "yaml",  # the readable one registered above
        "match_on": ["method", "scheme", "host", "port", "path", "body"],
        "filter_headers": ["authorization", "x-api-key", "openai-organization", "cookie", "set-cookie"],
        "decode_compressed_response": True,
    }
