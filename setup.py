"""Build the rules-only core with mypyc (compiled to C); everything else stays plain Python.

The modules named in extractor/compiled.py (CORE) are the per-report hot path: normalise, sections,
tables, narrative, reconcile. mypyc compiles them as they are, from their type hints, into one
extension. Beside the extensions the build writes a stamp of the sources it compiled, so that
`import extractor` runs the core from source when a module was edited after it was compiled.

XXGK_PURE_PYTHON=1 at install time skips the compiler (no C compiler, or while debugging the core).
"""

from __future__ import annotations

import compileall
import json
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).parent / "extractor"))
from compiled import CORE, STAMP, source_hash, source_path  # extractor/compiled.py imports only the standard library

sys.path.pop(0)

# The setup commands that build code. Metadata steps (egg_info, dist_info) and sdist run this file
# too; type-checking and generating C there would only double the install time.
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}
# Relative paths: mypyc names a module by its path ("extractor/rules/tables.py" -> extractor.rules.tables).
SOURCES = {name: source_path(Path("extractor"), name).as_posix() for name in CORE}
COMPILED_FROM = {name: source_hash(Path(path)) for name, path in SOURCES.items()}


class BuildWithStamp(build_ext):
    """build_ext that writes the stamp where the extensions land (the source tree when editable)."""

    def run(self) -> None:
        super().run()
        if not self.extensions:
            return
        in_place = self.inplace or getattr(self, "editable_mode", False)
        package = Path("extractor") if in_place else Path(self.build_lib) / "extractor"
        (package / STAMP).write_text(json.dumps(COMPILED_FROM, indent=1) + "\n", encoding="utf-8")
        if in_place:
            # pip byte-compiles what a wheel installs, not an editable source tree: without this, every
            # process where PYTHONDONTWRITEBYTECODE is set (CI images, containers) compiles the package's
            # plain-Python modules from source at start-up, a sixth of it. Stale files are recompiled
            # by Python itself (each .pyc records its source's mtime).
            compileall.compile_dir(str(package), quiet=1)


class BuildWithPrompts(build_py):
    """build_py that ships the top-level prompts/ inside the package (extractor/llm/prompts/).

    The prompts live at the top of the project, where people edit them; a wheel must carry them, or
    its model path has nothing to send. An editable install reads them where they are.
    """

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "extractor" / "llm" / "prompts"
        target.mkdir(parents=True, exist_ok=True)
        for prompt in sorted(Path("prompts").glob("*.md")):
            self.copy_file(str(prompt), str(target / prompt.name))


def core_extensions() -> list:
    if os.environ.get("XXGK_PURE_PYTHON") == "1" or not BUILDS & set(sys.argv[1:]):
        return []
    from mypyc.build import mypycify

    return mypycify(list(SOURCES.values()), opt_level="3", group_name="extractor")


setup(ext_modules=core_extensions(), cmdclass={"build_ext": BuildWithStamp, "build_py": BuildWithPrompts})
