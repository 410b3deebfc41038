"""Which modules mypyc compiles (setup.py), and the check that keeps compiled code in step with its source.

The compiled core is the same code as its source, only faster. It must never run *older* code than
the source beside it, which an editable install would otherwise allow after an edit. So the build
records a hash of each source (STAMP), and `use_compiled()` makes every core module load from its
source when any of them has changed since, or when XXGK_PURE_PYTHON=1 is set. The modules go one
way or the other together: compiled and interpreted classes of one name must never meet.

Imports only the standard library: setup.py loads this file before the package is built.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

# The per-report hot path of rules-only extraction, in pipeline order, named below the package.
CORE = (
    "core.values", "core.normalize", "core.numbers", "core.arithmetic", "core.reading",
    "rules.sections", "rules.meta", "rules.cells", "rules.tables", "rules.narrative", "rules.reconcile", "rules.record",
    "rules.regions", "rules.solve", "rules.glued", "rules.linebreaks",
    "pipeline",
)  # fmt: skip
STAMP = "compiled-from.json"  # module -> sha256 of the source it was compiled from
PACKAGE = Path(__file__).resolve().parent
PURE_ENV = "XXGK_PURE_PYTHON"


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_path(package: Path, name: str) -> Path:
    """The source file of core module `name` ("rules.tables") inside `package`."""
    return package.joinpath(*name.split(".")).with_suffix(".py")


def stale_modules(package: Path = PACKAGE) -> list[str] | None:
    """Core modules whose source changed since they were compiled; None when none is compiled.

    A module shipped without its source has nothing newer beside it: not stale. A stamp that cannot
    be read vouches for nothing: every module is stale.
    """
    stamp = package / STAMP
    if not stamp.is_file() or not any(_has_extension(package, name) for name in CORE):
        return None
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return list(CORE)
    if not isinstance(recorded, dict):
        return list(CORE)
    sources = {name: source_path(package, name) for name in CORE}
    return [name for name, py in sources.items() if py.is_file() and recorded.get(name) != source_hash(py)]


def _has_extension(package: Path, name: str) -> bool:
    stem = source_path(package, name).with_suffix("")
    return any(stem.with_name(stem.name + suffix).is_file() for suffix in importlib.machinery.EXTENSION_SUFFIXES)


class FromSource(importlib.abc.MetaPathFinder):
    """Finds the core modules' .py files ahead of the extensions compiled from them."""

    def __init__(self, package: str, directory: Path) -> None:
        self.package = package
        self.directory = directory

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.partition(".")
        if package != self.package or name not in CORE:
            return None
        return importlib.util.spec_from_file_location(fullname, source_path(self.directory, name))


def use_compiled() -> str:
    """Decide, before any core module is imported, how the core runs; returns what was decided."""
    if os.environ.get(PURE_ENV) == "1":
        sys.meta_path.insert(0, FromSource(__package__ or "extractor", PACKAGE))
        return f"interpreted ({PURE_ENV}=1)"
    stale = stale_modules()
    if stale is None:
        return "interpreted (not compiled)"
    if stale:
        sys.meta_path.insert(0, FromSource(__package__ or "extractor", PACKAGE))
        changed = ", ".join(str(source_path(Path(), name)) for name in stale)
        print(
            f"xxgk: {changed} changed since the core was compiled; running the core from source (slower). "
            "Reinstall (pip install -e .) to compile it again.",
            file=sys.stderr,
        )
        return "interpreted (sources changed since it was compiled)"
    return "compiled (mypyc)"


def restore_annotations(module: ModuleType, *classes: type) -> None:
    """Give the dataclasses of a compiled core module back the field types (and docstrings) their
    source declares.

    mypyc compiles a dataclass into a native class and erases its annotations to runtime classes (a
    union becomes `type`); pydantic reads them to validate and serialise the class inside a model. So
    the source is run once more as a plain module, and each declared annotation is evaluated in the
    compiled module's namespace (so that `list[Span]` names the compiled Span). A native instance has
    no __dict__: __slots__ tells pydantic to set its fields one by one. Interpreted classes are left
    alone."""
    if not str(getattr(module, "__file__", "")).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        return
    name = module.__name__.partition(".")[2]
    spec = importlib.util.spec_from_file_location(f"{module.__name__}__source", source_path(PACKAGE, name))
    if spec is None or spec.loader is None:
        raise ImportError(f"{module.__name__}: compiled, and its source (for the record's types) is missing")
    twin = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = twin  # dataclasses looks its module up while it makes the class
    try:
        spec.loader.exec_module(twin)
    finally:
        del sys.modules[spec.name]
    namespace = vars(module)
    for cls in classes:
        source = getattr(twin, cls.__name__)
        cls.__doc__ = source.__doc__  # the JSON Schema's descriptions (compiling drops docstrings too)
        declared = vars(source)["__annotations__"]
        hints = {k: eval(a, namespace) if isinstance(a, str) else a for k, a in declared.items()}
        cls.__annotations__ = hints
        for f in dataclasses.fields(cls):
            f.type = hints[f.name]
        cls.__slots__ = tuple(hints)
