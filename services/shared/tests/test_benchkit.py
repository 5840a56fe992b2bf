"""The benchmark kit's load generator against a real (tiny) app served by uvicorn."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from movieweb_shared.benchkit import (
    drive,
    get_paths,
    markdown_table,
    percentile,
    require_loopback,
    run_load,
    setting_env,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


class Counting:
    """A Starlette app that counts what it answers; ``/flaky`` fails every other request."""

    def __init__(self) -> None:
        self.hits = 0
        self.lock = threading.Lock()

    def count(self) -> int:
        with self.lock:
            self.hits += 1
            return self.hits

    async def hit(self, request: Request) -> PlainTextResponse:
        self.count()
        return PlainTextResponse("ok")

    async def flaky(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("busy", status_code=503 if self.count() % 2 else 200)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hit", self.hit), Route("/flaky", self.flaky)])


@pytest.fixture
def counting(serve: Callable[[Any], str]) -> tuple[Counting, str]:
    target = Counting()
    return target, serve(target.app())


def test_a_separate_load_process_reports_what_the_server_answered(
    counting: tuple[Counting, str],
) -> None:
    target, url = counting
    result = run_load(url, get_paths, ["/hit"], concurrency=4, duration_s=1.0, warmup_s=0.2)
    assert result.requests > 10
    assert result.ok == result.requests and result.errors == 0 and not result.error_statuses
    # Every request sent (warm-up included) reached the server, and nothing else did.
    assert target.hits == result.sent_with_warmup > result.requests
    assert 1.0 <= result.seconds < 3.0
    assert result.requests_per_s == pytest.approx(result.ok / result.seconds)
    assert 0 < result.p50_ms <= result.p90_ms <= result.p99_ms < 3000
    assert result.concurrency == 4


def test_failures_are_counted_by_status_and_left_out_of_the_latencies(
    counting: tuple[Counting, str],
) -> None:
    target, url = counting
    result = asyncio.run(
        drive(url, get_paths(["/flaky"]), concurrency=2, duration_s=0.5, warmup_s=0)
    )
    assert result.requests == target.hits == result.ok + result.errors
    assert result.error_statuses == {503: result.errors}
    assert abs(result.ok - result.errors) <= 2  # every other request fails
    assert result.requests_per_s == pytest.approx(result.ok / result.seconds)


@pytest.mark.parametrize(
    "url", ["http://example.org", "http://10.0.0.1:8000", "http://192.168.1.2", "https://[::2]"]
)
def test_the_load_generator_refuses_a_non_loopback_url(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        require_loopback(url)
    with pytest.raises(ValueError, match="loopback"):
        run_load(url, get_paths, ["/"], duration_s=0.1)
    with pytest.raises(ValueError, match="loopback"):
        asyncio.run(drive(url, get_paths(["/"]), duration_s=0.1))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1", "http://127.3.0.1", "http://[::1]:80", "http://localhost"]
)
def test_loopback_urls_are_accepted(url: str) -> None:
    require_loopback(url)


@pytest.mark.parametrize("options", [{"duration_s": 0}, {"duration_s": 601}, {"concurrency": 0}])
def test_the_run_is_bounded(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        asyncio.run(drive("http://127.0.0.1:1", get_paths(["/"]), **options))


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.90) == 90.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_markdown_table_aligns_numbers_right_and_text_left() -> None:
    table = markdown_table(["op", "req/s", "errors"], [["GET", 1234.56, 0], ["PUT x", 7.0, 12]])
    assert table.splitlines() == [
        "| op    |  req/s | errors |",
        "|-------|-------:|-------:|",
        "| GET   | 1234.6 |      0 |",
        "| PUT x |    7.0 |     12 |",
    ]


def test_settings_become_the_services_environment() -> None:
    assert setting_env("reviews", {"access_log": False, "db_pool_size": 4}) == {
        "MOVIEWEB_REVIEWS_ACCESS_LOG": "false",
        "MOVIEWEB_REVIEWS_DB_POOL_SIZE": "4",
    }
