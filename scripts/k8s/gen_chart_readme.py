#!/usr/bin/env python3
"""Write the values table of charts/movieweb/README.md from values.yaml (helm-docs style).

A key's description is the `# -- ` comment block right above it (continued by `#` lines); keys
without one inherit nothing and show only their default. Run after editing values.yaml:
    python3 scripts/k8s/gen_chart_readme.py          (rewrites the table between the markers)
    python3 scripts/k8s/gen_chart_readme.py --check  (exit 1 when the README is stale)
Needs PyYAML.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

CHART = Path(__file__).resolve().parents[2] / "charts" / "movieweb"
BEGIN, END = "<!-- values-table:begin -->", "<!-- values-table:end -->"


def descriptions(text: str) -> dict[str, str]:
    """Dotted key -> description, from `# --` comments and indentation."""
    out: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] = []
    collecting = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# --"):
            pending, collecting = [stripped[4:].strip()], True
            continue
        if stripped.startswith("#"):
            if collecting:
                pending.append(stripped[1:].strip())
            continue
        m = re.match(r"^(\s*)([A-Za-z0-9_.-]+):", line)
        if not m:
            pending, collecting = [], False
            continue
        indent, key = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        if pending:
            out[".".join(k for _, k in stack)] = " ".join(pending)
        pending, collecting = [], False
    return out


def rows(
    values: dict[str, Any], docs: dict[str, str], prefix: str = ""
) -> Iterator[tuple[str, Any, str]]:
    """(key, default, description): a documented map is one row, others are walked."""
    for k, v in values.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict) and v and key not in docs:
            yield from rows(v, docs, key)
        else:
            yield key, v, docs.get(key, "")


def table() -> str:
    text = (CHART / "values.yaml").read_text()
    docs = descriptions(text)
    out = ["| Key | Default | Description |", "|---|---|---|"]
    for key, default, desc in rows(yaml.safe_load(text), docs):
        shown = json.dumps(default, separators=(", ", ": ")).replace("|", "\\|")
        cell = desc.replace("|", "\\|")
        out.append(f"| `{key}` | `{shown}` | {cell} |")
    return "\n".join(out)


def render(readme: str) -> str:
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + table() + "\n" + readme[end:]


if __name__ == "__main__":
    path = CHART / "README.md"
    current = path.read_text()
    new = render(current)
    if "--check" in sys.argv:
        sys.exit(0 if new == current else 1)
    path.write_text(new)
    print(f"wrote {path}")
