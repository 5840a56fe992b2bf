"""The app factory, errors, metrics, request ids and sharded keyset paging, over real HTTP."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from movieweb_shared.app import create_app
from movieweb_shared.sharding import ShardMap, ShardSpec
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from .toy_service import SERVICE, ToySettings, items, metadata


async def _create_tables(shard_map: ShardMap) -> None:
    for spec in shard_map.shards:
        engine = create_async_engine(spec.url())
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()


def _settings(tmp_path: Path, shard_map: ShardMap, jwks_file: Path) -> ToySettings:
    path = tmp_path / "map.json"
    shard_map.dump(path)
    return ToySettings(
        shard_map_file=path,
        jwks_url=None,
        jwks_file=jwks_file,
        db_pool_size=3,
        db_max_overflow=2,
        log_json=True,
    )


@pytest.fixture(params=[1, 3], ids=["1shard", "3shards"])
def toy(
    request: pytest.FixtureRequest,
    make_shard_map: Callable[..., ShardMap],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
) -> Iterator[tuple[str, ShardMap]]:
    shard_map = make_shard_map(request.param)
    asyncio.run(_create_tables(shard_map))
    url = serve(create_app(SERVICE, _settings(tmp_path, shard_map, jwks_file)))
    yield url, shard_map


def test_health_readiness_and_request_id(toy: tuple[str, ShardMap]) -> None:
    url, shard_map = toy
    with httpx.Client(base_url=url) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {f"db:{s.name}": True for s in shard_map.shards}
        r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"
        generated = client.get("/healthz").headers["x-request-id"]
        assert len(generated) == 32
        # A hostile request id is replaced, not echoed.
        assert (
            client.get("/healthz", headers={"X-Request-ID": "a b<script>"}).headers["x-request-id"]
            != "a b<script>"
        )


def test_validation_errors_are_problems_naming_the_field(
    toy: tuple[str, ShardMap], mint_token: Callable[..., str]
) -> None:
    url, _ = toy
    auth = {"Authorization": f"Bearer {mint_token(uuid.uuid4())}"}
    with httpx.Client(base_url=url, headers=auth) as client:
        r = client.post("/items", json={"name": "", "score": 5000})
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["status"] == 422 and body["request_id"] == r.headers["x-request-id"]
        assert {e["field"] for e in body["errors"]} == {"body.name", "body.score"}
        r = client.get("/items", params={"limit": 0})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.limit"
        r = client.get("/items/not-a-uuid")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.item_id"
        r = client.get(f"/items/{uuid.uuid4()}")
        assert r.status_code == 404 and "does not exist" in r.json()["detail"]
        r = client.get("/nowhere")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        r = client.post(
            "/items", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422


def test_writes_need_a_valid_token(
    toy: tuple[str, ShardMap], mint_token: Callable[..., str]
) -> None:
    url, _ = toy
    from movieweb_shared.jwt import SigningKey

    with httpx.Client(base_url=url) as client:
        body = {"name": "x", "score": 1}
        assert client.post("/items", json=body).status_code == 401
        stranger = mint_token(uuid.uuid4(), key=SigningKey.generate())
        r = client.post("/items", json=body, headers={"Authorization": f"Bearer {stranger}"})
        assert r.status_code == 401 and "unknown key" in r.json()["detail"]
        wrong_aud = mint_token(uuid.uuid4(), audience="elsewhere")
        assert (
            client.post(
                "/items", json=body, headers={"Authorization": f"Bearer {wrong_aud}"}
            ).status_code
            == 401
        )
        good = mint_token(uuid.uuid4())
        tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        assert (
            client.post(
                "/items", json=body, headers={"Authorization": f"Bearer {tampered}"}
            ).status_code
            == 401
        )
        assert (
            client.post("/items", json=body, headers={"Authorization": "Basic abc"}).status_code
            == 401
        )
        assert (
            client.post(
                "/items", json=body, headers={"Authorization": f"Bearer {good}"}
            ).status_code
            == 201
        )


def test_metrics_count_requests_by_route_template(toy: tuple[str, ShardMap]) -> None:
    url, shard_map = toy
    with httpx.Client(base_url=url) as client:
        for _ in range(3):
            client.get(f"/items/{uuid.uuid4()}")
        text = client.get("/metrics").text
    assert (
        'movieweb_http_requests_total{method="GET",route="/items/{item_id}",status="404"} 3.0'
        in text
    )
    assert (
        'movieweb_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/items/{item_id}"}'
        in text
    )
    assert "movieweb_http_requests_in_flight" in text
    for spec in shard_map.shards:
        assert f'movieweb_db_pool_size{{shard="{spec.name}"}} 3.0' in text
        assert f'movieweb_db_pool_connections{{shard="{spec.name}",state="idle"}}' in text


async def _insert(shard_map: ShardMap, n: int) -> list[dict[str, Any]]:
    rng = random.Random(n)
    rows = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128)),
            "name": rng.choice(["alpha", "Beta", "gamma", "delta", "Émile"]),
            "score": rng.randint(0, 9),
        }
        for _ in range(n)
    ]
    engines = {s.name: create_async_engine(s.url()) for s in shard_map.shards}
    for row in rows:
        async with engines[shard_map.shard_for_key(row["id"]).name].begin() as conn:
            await conn.execute(insert(items).values(**row))
    for engine in engines.values():
        await engine.dispose()
    return rows


@pytest.mark.parametrize("sort", ["name", "score", "created"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_cursor_walk_returns_every_row_once_in_order(
    toy: tuple[str, ShardMap], sort: str, direction: str
) -> None:
    url, shard_map = toy
    rows = asyncio.run(_insert(shard_map, 37))
    seen: list[dict[str, Any]] = []
    with httpx.Client(base_url=url) as client:
        cursor = None
        while True:
            params: dict[str, Any] = {"sort": sort, "direction": direction, "limit": 5}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/items", params=params).json()
            assert page["info"]["total"] == 37
            seen.extend(page["items"])
            cursor = page["info"]["next_cursor"]
            if cursor is None:
                break
    assert sorted(r["id"] for r in seen) == sorted(str(r["id"]) for r in rows)
    key = {"name": "name", "score": "score", "created": "created_at"}[sort]
    keys = [(r[key], uuid.UUID(r["id"])) for r in seen]
    assert keys == sorted(keys, reverse=direction == "desc")


def test_skip_paging_and_filters_across_shards(toy: tuple[str, ShardMap]) -> None:
    url, shard_map = toy
    rows = asyncio.run(_insert(shard_map, 25))
    expected = sorted((r for r in rows if r["score"] >= 5), key=lambda r: (r["score"], r["id"]))
    with httpx.Client(base_url=url) as client:
        got = []
        for skip in range(0, len(expected) + 3, 4):
            page = client.get(
                "/items", params={"sort": "score", "min_score": 5, "limit": 4, "skip": skip}
            ).json()
            assert page["info"]["total"] == len(expected) and page["info"]["skip"] == skip
            got.extend(page["items"])
        assert [uuid.UUID(r["id"]) for r in got] == [r["id"] for r in expected]
        bad = client.get("/items", params={"cursor": "garbage!"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.cursor"
        first = client.get("/items", params={"sort": "name", "limit": 2}).json()["info"][
            "next_cursor"
        ]
        other = client.get("/items", params={"sort": "score", "cursor": first})
        assert other.status_code == 422 and "another" in other.json()["detail"]


def test_database_down_answers_503_and_not_ready(
    make_shard_map: Callable[..., ShardMap],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
) -> None:
    good = make_shard_map(1)
    broken = ShardMap(
        slots=good.slots,
        shards=[
            ShardSpec(
                name="gone",
                dsn=good.shards[0].url().rsplit("/", 1)[0]
                + "/no_such_database"
                + (
                    "?" + good.shards[0].url().split("?", 1)[1]
                    if "?" in good.shards[0].url()
                    else ""
                ),
                ranges=[[0, good.slots - 1]],
            )
        ],
    )
    url = serve(create_app(SERVICE, _settings(tmp_path, broken, jwks_file)))
    with httpx.Client(base_url=url) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "db:gone" in ready.json()["detail"]
        r = client.get(f"/items/{uuid.uuid4()}")
        assert r.status_code == 503 and r.headers["retry-after"] == "1"


def test_openapi_documents_the_problem_shape(toy: tuple[str, ShardMap]) -> None:
    url, _ = toy
    doc = httpx.get(f"{url}/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    op = doc["paths"]["/items"]["get"]
    assert op["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"].endswith(
        "ProblemDetails"
    )
    assert "4XX" in op["responses"] and "ProblemDetails" in doc["components"]["schemas"]


def test_values_the_database_refuses_are_422_not_500(toy: tuple[str, ShardMap]) -> None:
    url, _ = toy
    r = httpx.get(f"{url}/items-by-score/{2**40}")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{url}/items-by-score/3").status_code == 200


def test_connections_killed_by_the_database_fail_at_most_once_then_recover(
    make_shard_map: Callable[..., ShardMap],
    serve: Callable[[Any], str],
    tmp_path: Path,
    jwks_file: Path,
    postgres: Any,
) -> None:
    import asyncpg

    shard_map = make_shard_map(1)
    asyncio.run(_create_tables(shard_map))
    url = serve(create_app(SERVICE, _settings(tmp_path, shard_map, jwks_file)))
    from sqlalchemy.engine import make_url

    dbname = make_url(shard_map.shards[0].url()).database

    async def kill_backends() -> int:
        conn = await asyncpg.connect(postgres.admin_url)
        try:
            rows = await conn.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                dbname,
            )
            return len(rows)
        finally:
            await conn.close()

    with httpx.Client(base_url=url) as client:
        for _ in range(3):  # the pool now holds open connections
            assert client.get("/items").status_code == 200
        assert asyncio.run(kill_backends()) >= 1
        statuses = [client.get("/items").status_code for _ in range(6)]
    # No pre-ping: the first use of a dead connection answers 503 (never 500), then the pool
    # is invalidated and every following request reconnects.
    assert statuses.count(503) <= 1, statuses
    assert set(statuses) <= {200, 503} and statuses[-4:] == [200] * 4, statuses


async def _statement_times_in(conn_cm: Any) -> tuple[Any, Any]:
    async with conn_cm as conn:
        first = (await conn.execute(text("SELECT now()"))).scalar_one()
        await asyncio.sleep(0.05)
        second = (await conn.execute(text("SELECT now()"))).scalar_one()
    return first, second


def test_reads_autocommit_and_writes_are_transactions(
    make_shard_map: Callable[..., ShardMap],
) -> None:
    """now() is frozen inside a transaction: reads see it move (no BEGIN), writes do not."""
    from movieweb_shared.db import ShardedDatabase

    shard_map = make_shard_map(2)

    async def check() -> None:
        db = ShardedDatabase(shard_map, ToySettings(db_pool_size=1, db_max_overflow=0), "toy")
        key = uuid.uuid4()
        read = await _statement_times_in(db.connect(key))
        write = await _statement_times_in(db.begin(key))
        assert read[0] < read[1]
        assert write[0] == write[1]
        fanned = await db.fan_out(lambda conn: _statement_times_in(_Same(conn)))
        assert all(a < b for a, b in fanned)
        await db.dispose()

    asyncio.run(check())


class _Same:
    """An async context manager yielding an already-open connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def __aenter__(self) -> Any:
        return self.conn

    async def __aexit__(self, *exc: object) -> None:
        return None
