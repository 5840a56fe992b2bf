"""The operator command, run as a user runs it (a subprocess of the installed entry point)."""

from __future__ import annotations

import subprocess
import uuid


def _movieweb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["movieweb", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_lists_installed_services() -> None:
    out = _movieweb("services")
    assert out.returncode == 0, out.stderr
    names = out.stdout.split()
    for name in ("movies", "users", "reviews", "relations", "gateway"):
        assert name in names


def test_shard_slot_matches_the_pinned_hash() -> None:
    out = _movieweb("shard-slot", str(uuid.UUID(int=0)))
    assert out.returncode == 0 and out.stdout.strip() == "1038"
    assert _movieweb("shard-slot", "alice", "--slots", "16").stdout.strip() == "9"


def test_unknown_service_is_a_clear_error() -> None:
    out = _movieweb("migrate", "nope")
    assert out.returncode != 0
    assert "unknown service 'nope'" in out.stderr + out.stdout
