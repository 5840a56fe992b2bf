"""The whole site, for end-to-end tests: every service, real Postgres, real Redis.

The ``site`` fixture runs what a person runs, ``movieweb up --no-seed --shards 2
--gateway-processes 2``, as a
subprocess in a scratch data directory on a free block of loopback ports; tests speak to it
over real HTTP. ``test_up_command`` (alphabetically last) ends by stopping it with Ctrl-C and
checking the clean stop and a second start, so the stack is started twice per run, not more.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from movieweb_devstack.layout import Layout
from movieweb_devstack.stack import busy_ports

READY_LINE = "running; press Ctrl-C to stop"


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A directory outside pytest's ``/tmp/pytest-of-<user>``: as root, Postgres runs as the
    ``pgserver`` user and must traverse every parent, but each pytest run on the machine resets
    that folder to 0700 (and other engineers' test runs share it)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def free_port_base() -> int:
    """A port base whose whole block (+0..+20 and the extra gateways) is free right now."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000, 100)
        if not busy_ports(Layout(Path("/nonexistent"), base, 2)):
            return base
    raise RuntimeError("no free block of ports")


def movieweb() -> str:
    return str(Path(sys.executable).parent / "movieweb")


class UpProcess:
    """``movieweb up`` in a subprocess, its combined log collected line by line."""

    def __init__(self, data_dir: Path, port_base: int, shards: int, gateways: int) -> None:
        self.layout = Layout(data_dir, port_base, gateways)
        self.shards = shards
        self.process = subprocess.Popen(
            [
                movieweb(),
                "up",
                "--no-seed",
                "--data-dir",
                str(data_dir),
                "--port-base",
                str(port_base),
                "--shards",
                str(shards),
                "--gateway-processes",
                str(gateways),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if READY_LINE in line:
                self.ready.set()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.lines[-lines:])

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.5):
            assert self.process.poll() is None, f"movieweb up exited early:\n{self.tail(150)}"
            assert time.monotonic() < deadline, f"not up in {timeout} s:\n{self.tail(150)}"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C, as in a terminal; the exit code."""
        if self.running:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self.reader.join(5)
        return code


@pytest.fixture(scope="session")
def site() -> Iterator[UpProcess]:
    with scratch_dir("movieweb-e2e-") as base:
        # Two shards per service and two gateway processes: every end-to-end test runs the
        # sharded code paths (fan-out, merge) and the multi-process gateway.
        up = UpProcess(base / "data", free_port_base(), shards=2, gateways=2)
        try:
            up.wait_ready()
            yield up
        finally:
            up.interrupt()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    site = getattr(item, "funcargs", {}).get("site")
    if report.failed and site is not None:
        report.sections.append(("movieweb up log (tail)", site.tail()))
    return report
