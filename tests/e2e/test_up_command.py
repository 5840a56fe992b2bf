"""``movieweb up`` as a person runs it: it comes up healthy, prints the URLs, stops cleanly on
Ctrl-C leaving no process behind, and a second run finds the data of the first.

Alphabetically last on purpose: it stops the session's stack (see conftest).
"""

from __future__ import annotations

import time
import uuid

import httpx
import psutil
from movieweb_devstack.layout import BACKENDS, Layout

from .conftest import UpProcess


def processes_of(up: UpProcess, layout: Layout) -> list[psutil.Process]:
    """Every process the stack runs: the supervised children, Postgres and Redis (both daemons)."""
    found = psutil.Process(up.process.pid).children(recursive=True)
    postmaster = psutil.Process(
        int((layout.postgres_dir / "postmaster.pid").read_text().split()[0])
    )
    found += [postmaster, *postmaster.children(recursive=True)]
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == layout.redis_port and conn.pid:
            found.append(psutil.Process(conn.pid))
    return found


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_up_serves_stops_cleanly_and_keeps_data(site: UpProcess) -> None:
    layout = site.layout
    for url in (
        *(f"http://127.0.0.1:{p}" for p in layout.gateway_ports),
        f"{layout.gateway_url}/docs",
        *(f"{layout.url(s)}/docs" for s in BACKENDS),
        layout.posters_url,
    ):
        assert url in site.output, f"{url} is not printed"
    for base in (
        *(f"http://127.0.0.1:{p}" for p in layout.gateway_ports),
        *(layout.url(s) for s in BACKENDS),
    ):
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200, base
    login = f"keeper_{uuid.uuid4().hex[:8]}"
    created = httpx.post(
        f"{layout.gateway_url}/v1/auth/register",
        json={"login": login, "email": f"{login}@example.com", "password": "long password 1"},
        timeout=30,
    )
    assert created.status_code == 201, created.text

    running = processes_of(site, layout)
    names = {p.name() for p in running}
    # 4 services and 2 gateways (python), the postmaster and its workers, Redis.
    assert len(running) >= 8, running
    assert {"postgres", "redis-server"} <= names, names
    assert site.interrupt() == 0, site.tail()
    time.sleep(0.5)
    leftovers = [p for p in running if alive(p)]
    assert not leftovers, f"still running after Ctrl-C: {leftovers}"
    assert site.lines[-1].endswith("stopped")

    second = UpProcess(layout.data_dir, layout.port_base, site.shards, layout.gateway_processes)
    try:
        second.wait_ready()
        found = httpx.get(
            f"{layout.gateway_url}/v1/users", params={"login_prefix": login}, timeout=30
        )
        assert found.status_code == 200
        assert [u["login"] for u in found.json()["items"]] == [login]
    finally:
        assert second.interrupt() == 0, second.tail()
