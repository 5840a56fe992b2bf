"""The supervisor: restarts a crashed child with backoff, stops children (killing stragglers),
reports who is not ready, and prefixes every line of the combined log."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import time

import pytest
from movieweb_devstack.supervisor import ProcessSpec, Supervisor
from rich.console import Console


def supervisor() -> tuple[Supervisor, io.StringIO]:
    out = io.StringIO()
    return Supervisor(Console(file=out, width=200, highlight=False)), out


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def test_a_crashing_child_is_restarted_and_its_output_prefixed() -> None:
    sup, out = supervisor()
    sup.start(ProcessSpec("crashy", python("print('hello from crashy'); raise SystemExit(3)")))
    deadline = time.monotonic() + 20
    while sup.restarts("crashy") < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    await sup.stop()
    log = out.getvalue()
    assert sup.restarts("crashy") >= 2
    assert "crashy     │ hello from crashy" in log
    assert "exited with code 3; restarting in 0.5 s" in log
    assert "restarting in 1.0 s" in log  # the backoff doubles


async def test_stop_terminates_children_and_kills_those_that_ignore_sigterm() -> None:
    sup, out = supervisor()
    sup.start(ProcessSpec("polite", python("import time; print('up', flush=True); time.sleep(60)")))
    sup.start(
        ProcessSpec(
            "stubborn",
            python(
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('up', flush=True); time.sleep(60)"
            ),
        )
    )
    deadline = time.monotonic() + 20
    while out.getvalue().count("│ up") < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    pids = sup.pids()
    assert set(pids) == {"polite", "stubborn"}
    await sup.stop(timeout_s=1.0)
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert "stubborn   │ did not stop in time; killing it" in out.getvalue()
    assert sup.restarts("polite") == 0  # a stop is not a crash


async def test_wait_ready_names_the_children_that_never_answer() -> None:
    sup, _ = supervisor()
    sup.start(
        ProcessSpec(
            "deaf", python("import time; time.sleep(30)"), ready_url="http://127.0.0.1:9/readyz"
        )
    )
    with pytest.raises(TimeoutError, match="deaf"):
        await sup.wait_ready(timeout_s=1.0)
    await sup.stop()


async def test_a_name_is_supervised_once() -> None:
    sup, _ = supervisor()
    sup.start(ProcessSpec("one", python("import time; time.sleep(30)")))
    with pytest.raises(ValueError, match="already supervised"):
        sup.start(ProcessSpec("one", python("pass")))
    await sup.stop()
