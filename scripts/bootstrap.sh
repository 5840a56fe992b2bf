#!/usr/bin/env bash
# Installs what the project needs on a fresh machine, idempotently (sourced by the other scripts):
# uv (from PyPI, pinned) and the locked Python environment (.venv from uv.lock).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION="0.13.8"
export UV_PYTHON_DOWNLOADS=never          # use the machine's CPython, never download one
export UV_LINK_MODE=copy
export MOVIEWEB_CACHE_DIR="${MOVIEWEB_CACHE_DIR:-$HOME/.cache/movieweb}"

if ! command -v uv >/dev/null 2>&1 || [[ "$(uv --version | awk '{print $2}')" != "$UV_VERSION" ]]; then
  echo "bootstrap: installing uv $UV_VERSION" >&2
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "uv==$UV_VERSION"
fi
# The first interpreter that really runs and is >= 3.11 (a pyenv shim may exist but not run).
PY=""
for candidate in python3 python3.11 python3.12 python3.13; do
  if path="$(command -v "$candidate")" && "$path" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY="$("$path" -c 'import sys; print(sys.executable)')"; break
  fi
done
[[ -n "$PY" ]] || { echo "bootstrap: Python >= 3.11 is required" >&2; exit 1; }
export UV_PYTHON="$PY"
(cd "$ROOT" && uv sync --frozen --quiet)
