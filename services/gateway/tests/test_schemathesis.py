"""Property-based checks of the live gateway against its own schema (bounded): nothing a client
can send yields a 500, and every answer matches the documented schema. Requests carry a real
bearer token so that the authenticated routes get past authentication."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from movieweb_gateway import contracts
from schemathesis.checks import not_a_server_error, response_schema_conformance

from .conftest import Api, Server


@pytest.fixture(scope="session")
def auth_headers(gateway: Server) -> dict[str, str]:
    api = Api(gateway.url)
    try:
        _, headers = api.user()
    finally:
        api.close()
    return headers


# The exported schema (test_contracts checks that it is exactly what the gateway serves): the
# operations must be known when pytest collects, before any server runs.
schema = schemathesis.openapi.from_dict(json.loads(contracts.PUBLIC_SCHEMA.read_text()))


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_gateway_conforms_to_its_schema(
    case: Any, gateway: Server, auth_headers: dict[str, str]
) -> None:
    case.call_and_validate(
        base_url=gateway.url,
        headers=auth_headers,
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )
