"""schemathesis against the live service (real HTTP, 3 real shards): no 500, and every answer
conforms to the published OpenAPI (status code, content type, body schema). Bounded for CI.

The schema is built from the app at import time (``from_dict``) because schemathesis's lazy
``from_fixture`` loader breaks on pytest 9 (it reads ``request.node._nodeid``); a separate test
proves that the live server publishes exactly this document, so nothing is tested off-line.
"""

from __future__ import annotations

import uuid

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from movieweb_reviews.service import SERVICE
from movieweb_reviews.settings import ReviewsSettings
from movieweb_shared.app import create_app
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Building the OpenAPI document touches no database; the URL is never connected to.
_OPENAPI = create_app(
    SERVICE, ReviewsSettings(database_url="postgresql+asyncpg://unused/unused", log_level="WARNING")
).openapi()
schema = schemathesis.openapi.from_dict(_OPENAPI)

# One author for every generated request, so that writes are accepted and exercised.
AUTHOR = uuid.uuid4()


def test_the_live_server_publishes_the_tested_schema(module_env3):
    assert httpx.get(f"{module_env3.url}/openapi.json").json() == _OPENAPI


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, module_env3):
    case.call_and_validate(
        base_url=module_env3.url,
        headers=module_env3.auth(AUTHOR),
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        timeout=30,
    )
