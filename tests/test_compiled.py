"""The compiled core: it runs only while it matches its source, and it gives the records the source gives."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import extractor
from extractor import compiled
from extractor.compiled import CORE, STAMP, FromSource, source_hash, source_path, stale_modules
from extractor.library import extract
from tests.conftest import corpus_reports
from tests.synth import write_corpus

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _package(tmp_path: Path, *, extensions: bool = True, stamp: bool = True) -> Path:
    """A package directory shaped like an installed one: the core's sources, extensions and stamp."""
    pkg = tmp_path / "pkg"
    pkg.mkdir(parents=True)
    for name in CORE:
        source = source_path(pkg, name)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"NAME = {name!r}\n", encoding="utf-8")
        if extensions:
            source.with_name(source.stem + SUFFIX).write_bytes(b"")  # only its presence is looked at
    if stamp:
        hashes = {name: source_hash(source_path(pkg, name)) for name in CORE}
        (pkg / STAMP).write_text(json.dumps(hashes), encoding="utf-8")
    return pkg


def test_nothing_is_stale_right_after_a_build(tmp_path: Path) -> None:
    assert stale_modules(_package(tmp_path)) == []


def test_an_edited_source_is_stale(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    (pkg / "rules" / "tables.py").write_text("NAME = 'edited'\n", encoding="utf-8")
    assert stale_modules(pkg) == ["rules.tables"]


def test_a_damaged_stamp_vouches_for_nothing(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    (pkg / STAMP).write_text("{not json", encoding="utf-8")
    assert stale_modules(pkg) == list(CORE)


def test_a_module_shipped_without_its_source_is_not_stale(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    (pkg / "rules" / "tables.py").unlink()
    assert stale_modules(pkg) == []


def test_an_interpreted_install_has_nothing_compiled(tmp_path: Path) -> None:
    assert stale_modules(_package(tmp_path, extensions=False)) is None
    assert stale_modules(_package(tmp_path / "b", stamp=False)) is None


def test_from_source_finds_only_the_core_modules(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    finder = FromSource("pkg", pkg)
    spec = finder.find_spec("pkg.rules.tables")
    assert spec is not None and spec.origin == str(pkg / "rules" / "tables.py")
    assert finder.find_spec("pkg.core.schema") is None  # not in the core: found the usual way
    assert finder.find_spec("pkg.tables") is None
    assert finder.find_spec("other.rules.tables") is None


def test_the_core_runs_as_it_says() -> None:
    """CORE_BUILD tells the truth about where the core modules were loaded from."""
    files = {name: sys.modules[f"extractor.{name}"].__file__ or "" for name in CORE}
    if extractor.CORE_BUILD.startswith("compiled"):
        assert all(not f.endswith(".py") for f in files.values()), files
    else:
        assert all(f.endswith(".py") for f in files.values()), files


def test_pure_python_switch_loads_the_sources() -> None:
    code = "import sys, extractor; print(extractor.CORE_BUILD); print(sys.modules['extractor.rules.tables'].__file__)"
    env = {**os.environ, compiled.PURE_ENV: "1"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    build, tables = p.stdout.splitlines()
    assert build.startswith("interpreted") and tables.endswith("tables.py")


@pytest.mark.skipif(not extractor.CORE_BUILD.startswith("compiled"), reason="the core is not compiled here")
def test_compiled_and_interpreted_core_give_the_same_records(tmp_path: Path) -> None:
    """The compiled core is the same program: every record of the corpus and of 300 synthetic
    reports in every text flattening comes out byte for byte as the interpreted core writes it."""
    write_corpus(tmp_path, 300, ("open", "cell_per_line", "lines", "markdown", "tabs"), seed=7)
    files = [*corpus_reports(), *sorted(p for p in tmp_path.iterdir() if not p.name.endswith(".json"))]
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(map(str, files)), encoding="utf-8")
    code = (
        "import sys\n"
        "from extractor import extract\n"
        "for path in open(sys.argv[1], encoding='utf-8').read().splitlines():\n"
        "    print(extract(path).model_dump_json())\n"
    )
    env = {**os.environ, compiled.PURE_ENV: "1"}
    p = subprocess.run([sys.executable, "-c", code, str(listing)], capture_output=True, text=True, env=env, check=True)
    interpreted = p.stdout.splitlines()
    assert len(interpreted) == len(files)
    for path, line in zip(files, interpreted, strict=True):
        assert extract(path).model_dump_json() == line, path.name
