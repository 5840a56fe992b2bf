"""The code is ruff-clean, ruff-formatted and mypy-strict-clean: a regression fails the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _src_dirs() -> list[str]:
    dirs = sorted(str(p.parent.relative_to(ROOT)) for p in ROOT.glob("services/*/pyproject.toml"))
    dirs = [f"{d}/src" for d in dirs]
    return [*dirs, "operator/src"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_lint_is_clean() -> None:
    out = _run(sys.executable, "-m", "ruff", "check", "--output-format", "concise", ".")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_is_clean() -> None:
    out = _run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict_is_clean() -> None:
    out = _run(sys.executable, "-m", "mypy", *_src_dirs())
    assert out.returncode == 0, out.stdout + out.stderr
