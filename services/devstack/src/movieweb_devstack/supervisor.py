"""Supervised child processes with one combined, readable log.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only the runner, which
then stops the children in order (they must not race Postgres to the exit). Each child also
asks the kernel for SIGTERM if the runner dies (``PR_SET_PDEATHSIG``), so a killed runner
leaves no orphans. A child that exits on its own is restarted with exponential backoff; the
backoff resets once it has stayed up for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from rich.console import Console
from rich.text import Text

log = logging.getLogger("movieweb.devstack")

COLOURS = [
    "cyan",
    "magenta",
    "green",
    "yellow",
    "blue",
    "bright_red",
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "bright_yellow",
]
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 15.0
STABLE_AFTER_S = 30.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGTERM me when my parent dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready_url: str | None = None


@dataclass
class _Child:
    spec: ProcessSpec
    colour: str
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    task: asyncio.Task[None] | None = None


class Supervisor:
    def __init__(self, console: Console | None = None, *, prefix_width: int = 11) -> None:
        self.console = console or Console(highlight=False)
        self.prefix_width = prefix_width
        self._children: dict[str, _Child] = {}
        self._stopping = False

    # -- log -----------------------------------------------------------------------------
    def say(self, name: str, line: str, colour: str = "white") -> None:
        prefix = Text(f"{name:<{self.prefix_width}}│ ", style=f"bold {colour}")
        self.console.print(prefix + Text(line), soft_wrap=True, highlight=False, markup=False)

    def note(self, line: str) -> None:
        self.say("devstack", line, "bright_white")

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, spec: ProcessSpec) -> None:
        if spec.name in self._children:
            raise ValueError(f"{spec.name} is already supervised")
        child = _Child(spec, COLOURS[len(self._children) % len(COLOURS)])
        self._children[spec.name] = child
        child.task = asyncio.create_task(self._keep_running(child), name=f"supervise-{spec.name}")

    async def _spawn(self, child: _Child) -> asyncio.subprocess.Process:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **child.spec.env}
        return await asyncio.create_subprocess_exec(
            *child.spec.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            limit=1 << 20,
        )

    async def _pump(self, child: _Child, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while True:
            try:
                raw = await process.stdout.readline()
            except ValueError:  # a line longer than the buffer limit: show what we have
                raw = await process.stdout.read(1 << 16)
            if not raw:
                return
            self.say(child.spec.name, raw.decode(errors="replace").rstrip(), child.colour)

    async def _keep_running(self, child: _Child) -> None:
        backoff = BACKOFF_FIRST_S
        while not self._stopping:
            started = time.monotonic()
            process = await self._spawn(child)
            child.process = process
            await self._pump(child, process)
            code = await process.wait()
            if self._stopping:
                return
            if time.monotonic() - started > STABLE_AFTER_S:
                backoff = BACKOFF_FIRST_S
            child.restarts += 1
            self.say(
                child.spec.name,
                f"exited with code {code}; restarting in {backoff:.1f} s",
                "bold red",
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def pids(self) -> dict[str, int]:
        return {
            name: c.process.pid
            for name, c in self._children.items()
            if c.process is not None and c.process.returncode is None
        }

    def restarts(self, name: str) -> int:
        return self._children[name].restarts

    async def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM every child (they shut down gracefully in parallel), SIGKILL stragglers."""
        self._stopping = True
        running = [
            c
            for c in self._children.values()
            if c.process is not None and c.process.returncode is None
        ]
        for child in running:
            assert child.process is not None
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)

        async def reap(child: _Child) -> None:
            assert child.process is not None
            try:
                await asyncio.wait_for(child.process.wait(), timeout_s)
            except TimeoutError:
                self.say(child.spec.name, "did not stop in time; killing it", "bold red")
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()
                await child.process.wait()

        await asyncio.gather(*(reap(c) for c in running))
        tasks = [c.task for c in self._children.values() if c.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- readiness -----------------------------------------------------------------------
    async def wait_ready(
        self, timeout_s: float = 120.0, on_ready: Callable[[str], None] | None = None
    ) -> None:
        """Poll every child's ``ready_url`` until it answers 200; TimeoutError names the laggards."""
        pending = {n: c.spec.ready_url for n, c in self._children.items() if c.spec.ready_url}
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while pending:
                for name, url in list(pending.items()):
                    assert url is not None
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(url)).status_code == 200:
                            del pending[name]
                            if on_ready is not None:
                                on_ready(name)
                if not pending:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"not ready after {timeout_s:.0f} s: {', '.join(pending)}")
                await asyncio.sleep(0.25)
