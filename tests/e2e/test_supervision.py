"""The runner keeps the site up: a service that dies is restarted and answers again, and every
gateway process serves the same data."""

from __future__ import annotations

import os
import signal
import time

import httpx
import psutil

from .conftest import UpProcess


def serving_pid(port: int) -> int:
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return int(conn.pid)
    raise LookupError(f"nothing listens on {port}")


def test_a_killed_service_is_restarted_and_ready_again(site: UpProcess) -> None:
    layout = site.layout
    port = layout.port("movies")
    victim = serving_pid(port)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{layout.url('movies')}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, site.tail()
        time.sleep(0.25)
    assert serving_pid(port) != victim
    assert any(
        "movies" in line and "exited with code -9; restarting" in line for line in site.lines
    )
    # The gateway recovers without a restart of its own.
    assert httpx.get(f"{layout.gateway_url}/v1/movies", timeout=30).status_code == 200


def test_every_gateway_process_serves_the_same_site(site: UpProcess) -> None:
    answers = [
        httpx.get(f"http://127.0.0.1:{port}/v1/users", params={"limit": 100}, timeout=30)
        for port in site.layout.gateway_ports
    ]
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert len({a.json()["info"]["total"] for a in answers}) == 1
