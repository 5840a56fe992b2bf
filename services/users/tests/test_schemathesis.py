"""The OpenAPI document is valid OpenAPI 3, and schemathesis against the app served on two
shards (bounded) finds no 500, no response outside its documented status, content type and
schema, and never a password hash in a body."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from movieweb_shared.app import create_app
from movieweb_users.service import SERVICE
from movieweb_users.settings import UsersSettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)


@pytest.fixture(scope="session")
def served(deployments: Callable[[int], Any]) -> Any:
    return deployments(2)


@pytest.fixture(scope="session")
def bearer(served: Any) -> dict[str, str]:
    """A real user's token, so that ``/users/me`` answers 200 too (and is checked)."""
    with httpx.Client(base_url=served.url, timeout=30) as http:
        body = {"login": "fuzzer", "email": "fuzzer@example.org", "password": "fuzzing password"}
        created = http.post("/users", json=body)
        assert created.status_code in (201, 409), created.text
        token = http.post("/auth/token", json={"login": "fuzzer", "password": body["password"]})
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}


# The schema is read from the app object at collection time (no database needed); each case is
# then sent over HTTP to the live app. (schemathesis.pytest.from_fixture, the lazy loader, fails
# on pytest 9: it reads ``node._nodeid``.) The next test proves it is the schema being served.
schema = schemathesis.openapi.from_dict(
    create_app(SERVICE, UsersSettings(database_url="postgresql://unused/x")).openapi()
)


def test_the_tested_schema_is_the_served_one_and_valid(served: Any) -> None:
    doc = httpx.get(f"{served.url}/openapi.json", timeout=30).json()
    assert doc == schema.raw_schema
    assert doc["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(doc).validate()
    assert {
        "/users",
        "/users/me",
        "/users/batch",
        "/users/{user_id}",
        "/auth/token",
        "/.well-known/jwks.json",
    } <= set(doc["paths"])
    broken = copy.deepcopy(doc)
    broken["paths"]["/users"]["post"]["responses"] = "nope"
    with pytest.raises(Exception, match="nope"):
        schemathesis.openapi.from_dict(broken).validate()


@schema.parametrize()
@settings(
    max_examples=20,  # argon2 makes register and log-in the slow operations
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_live_app_conforms_to_its_schema(
    case: schemathesis.Case, served: Any, bearer: dict[str, str]
) -> None:
    response = case.call_and_validate(
        base_url=served.url,
        headers=bearer,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        timeout=30,
    )
    assert "argon2" not in response.text.lower()
