"""Prompts are files under prompts/, rendered from templates and identified by a content hash.

A prompt file has a front matter block (name, purpose) and two parts, `## system` and `## user`;
`$name` placeholders are filled by `string.Template`. An optional `## items` part lists what may be
asked for, one `name：description` line each, so a request can ask for some of them only
(`Prompt.items_for`). The hash of the file is recorded with every
value the model fills, so a result can be reproduced, and re-run when the prompt changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Template

from pydantic import BaseModel

# A wheel carries the prompts beside this module (setup.py copies them there); a source tree and an
# editable install read them from the project's top-level prompts/ folder.
_SHIPPED = Path(__file__).resolve().with_name("prompts")
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "prompts"
PROMPTS_DIR = Path(os.environ.get("XXGK_PROMPTS") or (_SHIPPED if _SHIPPED.is_dir() else _SOURCE_TREE))
_PART = re.compile(r"^## (system|user|items)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    name: str
    system: Template
    user: Template
    hash: str  # first 16 hex digits of the file's sha256
    items: dict[str, str] = field(default_factory=dict)  # name -> description, from `## items`

    def messages(self, **values: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]

    def items_for(self, names: Iterable[str]) -> str:
        """The `## items` lines of `names`, as a list to put in the user message."""
        return "\n".join(f"- {name}：{self.items[name]}" for name in names)


@cache
def load_prompt(name: str) -> Prompt:
    path = PROMPTS_DIR / f"{name}.md"
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if text.startswith("---"):
        text = text[text.index("---", 3) + 3 :]
    parts = _PART.split(text)
    # split gives [preamble, "system", body, "user", body]
    bodies = dict(zip(parts[1::2], parts[2::2], strict=True))
    if not {"system", "user"} <= set(bodies):
        raise ValueError(f"{path}: a prompt needs a '## system' and a '## user' part")
    items = dict(_item(line) for line in bodies.get("items", "").strip().splitlines() if line.strip())
    return Prompt(
        name,
        Template(bodies["system"].strip()),
        Template(bodies["user"].strip()),
        hashlib.sha256(raw).hexdigest()[:16],
        items,
    )


def _item(line: str) -> tuple[str, str]:
    name, _, description = line.partition("：")
    return name.strip(), description.strip()


def schema_hash(model: type[BaseModel]) -> str:
    """The hash of a response type's JSON Schema: a changed type invalidates cached answers."""
    schema = json.dumps(model.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(schema.encode()).hexdigest()[:16]


def lean_schema(schema: dict) -> dict:
    """A JSON Schema without titles, descriptions and defaults, and `anyOf [T, null]` as `[T, "null"]`.

    Instructor's JSON and MD_JSON modes paste the response type's schema, indented, into every
    request; the full pydantic schema cost ~600 prompt tokens per call, more than the passage itself.
    """
    out: dict = {}
    for key, val in schema.items():
        if key in ("title", "description", "default"):
            continue
        if key == "anyOf" and all(set(s) == {"type"} for s in val):
            out["type"] = [s["type"] for s in val]
        elif key in ("properties", "$defs"):  # names, not keywords: keep every one
            out[key] = {name: lean_schema(sub) for name, sub in val.items()}
        elif isinstance(val, dict):
            out[key] = lean_schema(val)
        else:
            out[key] = val
    return out


def example_json(model: type[BaseModel]) -> str:
    """A compact JSON skeleton of the response type, shown to the model in the prompt."""
    return json.dumps(_skeleton(model.model_json_schema()), ensure_ascii=False)


def _skeleton(schema: dict, defs: dict | None = None) -> object:
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return _skeleton(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    if schema.get("type") == "object":
        return {k: _skeleton(v, defs) for k, v in schema.get("properties", {}).items()}
    if schema.get("type") == "array":
        return [_skeleton(schema.get("items", {}), defs)]
    if isinstance(schema.get("type"), list):
        return " | ".join(schema["type"])
    if "anyOf" in schema:
        kinds = [s.get("type") for s in schema["anyOf"]]
        return " | ".join(k for k in kinds if k)
    return schema.get("type", "any")
