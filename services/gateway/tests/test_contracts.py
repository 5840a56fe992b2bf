"""Contracts: the stored backend schemas are what the backends really serve, every call the
gateway can make fits them, the fields the gateway reads exist, and the exported public schema
is what the gateway serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from movieweb_gateway import contracts
from movieweb_gateway.backends import BACKENDS, ENDPOINTS, Endpoint
from movieweb_gateway.commands import register
from movieweb_gateway.enrich import MOVIE_FIELDS, REVIEW_FIELDS, USER_FIELDS
from typer.testing import CliRunner

from .conftest import Backends, Server

REFRESH = "run `uv run movieweb gateway-schema refresh`"


def _diff(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The paths and component schemas that differ (a readable failure message)."""
    out = []
    for section, key in (("paths", None), ("components", "schemas")):
        left = a.get(section, {}) if key is None else a.get(section, {}).get(key, {})
        right = b.get(section, {}) if key is None else b.get(section, {}).get(key, {})
        out += [k for k in sorted(set(left) | set(right)) if left.get(k) != right.get(k)]
    return out or ["the document"]


@pytest.mark.parametrize("name", BACKENDS)
def test_stored_copy_is_what_the_backend_serves(name: str, backends: Backends) -> None:
    served = httpx.get(backends.url(name) + "/openapi.json", timeout=10).json()
    stored = contracts.stored_schema(name)
    assert stored == served, (
        f"apis/{name}.json differs from what {name} serves in {_diff(stored, served)}: {REFRESH}"
    )


def test_every_backend_call_fits_its_stored_schema() -> None:
    assert contracts.check_endpoints() == []


def test_the_check_catches_calls_that_do_not_fit() -> None:
    schema = contracts.stored_schema("movies")
    cases = {
        "path": Endpoint("movies", "GET", "/films/{movie_id}"),
        "method": Endpoint("movies", "DELETE", "/movies/{movie_id}"),
        "query": Endpoint("movies", "GET", "/movies", frozenset({"genre"})),
        "body": Endpoint("movies", "GET", "/movies/{movie_id}", body=True),
        "no body": Endpoint("movies", "POST", "/movies"),
    }
    for what, ep in cases.items():
        assert contracts.endpoint_problems("case", ep, schema), what
    users = contracts.stored_schema("users")
    required = Endpoint("users", "GET", "/users/batch")  # ids is required there
    assert any("never sent" in p for p in contracts.endpoint_problems("c", required, users))


def _props(backend: str, model: str) -> set[str]:
    schema = contracts.stored_schema(backend)
    return set(schema["components"]["schemas"][model]["properties"])


def test_fields_the_gateway_reads_exist_in_the_backend_objects() -> None:
    assert set(MOVIE_FIELDS) <= _props("movies", "Movie")
    assert set(USER_FIELDS) <= _props("users", "User")
    assert {*USER_FIELDS, "email"} <= _props("users", "Me")
    assert {"access_token", "expires_in", "user"} <= _props("users", "Token")
    assert set(REVIEW_FIELDS) <= _props("reviews", "Review")
    assert {"movie_id", "count", "average", "histogram"} <= _props("reviews", "Stats")
    assert {"movie_id"} <= _props("reviews", "PopularMovie")
    assert {"review_count"} <= _props("reviews", "UserStats")
    assert {"followers", "follows"} <= _props("relations", "Counts")
    assert {"follower_id", "followee_id", "created_at"} <= _props("relations", "Follow")
    assert {"ids"} <= _props("relations", "FollowIds")
    for backend, model in [
        ("movies", "MovieBatch"),
        ("users", "UserBatch"),
        ("reviews", "StatsList"),
        ("reviews", "TopRated"),
        ("reviews", "Popular"),
    ]:
        assert "items" in _props(backend, model), model


def test_every_table_entry_names_a_known_backend() -> None:
    assert {ep.backend for ep in ENDPOINTS.values()} == set(BACKENDS)


def test_exported_public_schema_is_what_the_gateway_serves(gateway: Server) -> None:
    served = httpx.get(gateway.url + "/openapi.json", timeout=10).json()
    stored = json.loads(contracts.PUBLIC_SCHEMA.read_text())
    assert stored == served, (
        "services/gateway/openapi.json is stale: run `uv run movieweb gateway-schema export`"
    )
    assert contracts.render(contracts.public_schema()) == contracts.PUBLIC_SCHEMA.read_text()


def test_docs_are_served(gateway: Server) -> None:
    r = httpx.get(gateway.url + "/docs", timeout=10)
    assert r.status_code == 200
    assert "swagger" in r.text.lower()


def test_schema_commands(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "openapi.json"
    result = runner.invoke(app, ["gateway-schema", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == contracts.PUBLIC_SCHEMA.read_text()
    result = runner.invoke(app, ["gateway-schema", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(ENDPOINTS)} backend calls fit" in result.output
    # A copy that lost a path makes the check fail.
    broken = tmp_path / "apis"
    broken.mkdir()
    for name in BACKENDS:
        schema = contracts.stored_schema(name)
        if name == "reviews":
            del schema["paths"]["/stats/batch"]
        (broken / f"{name}.json").write_text(json.dumps(schema))
    result = runner.invoke(app, ["gateway-schema", "check", "--directory", str(broken)])
    assert result.exit_code == 1
    assert "/stats/batch" in result.output
