"""The served OpenAPI document is valid OpenAPI 3, and the live app honours it (schemathesis)."""

from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from movieweb_movies.service import SERVICE
from movieweb_movies.settings import MoviesSettings
from movieweb_shared.app import create_app
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .helpers import LiveMovies


def test_openapi_document_is_valid_openapi_3(movies: LiveMovies) -> None:
    doc = movies.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(doc).validate()  # the OpenAPI 3.x meta-schema
    assert {"/movies", "/movies/batch", "/movies/by-slug/{slug}", "/movies/{movie_id}"} <= set(
        doc["paths"]
    )
    post = doc["paths"]["/movies"]["post"]
    assert {"201", "401", "422"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/MovieCreate"
    )
    # The validator does reject a broken document (so the check above can fail).
    broken = copy.deepcopy(doc)
    broken["paths"]["/movies"]["post"]["responses"] = "nope"
    with pytest.raises(Exception, match="nope"):
        schemathesis.openapi.from_dict(broken).validate()


# The schema is read from the app object at collection time (it needs no database); each
# generated case is then sent over HTTP to the live app of the ``movies`` fixture. (The lazy
# ``schemathesis.pytest.from_fixture`` loader fails on pytest 9: it reads ``node._nodeid``.)
schema = schemathesis.openapi.from_dict(
    create_app(SERVICE, MoviesSettings(database_url="postgresql://unused/x")).openapi()
)


def test_the_tested_schema_is_the_served_one(movies: LiveMovies) -> None:
    assert movies.client.get("/openapi.json").json() == schema.raw_schema


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_live_app_conforms_to_its_schema(case: schemathesis.Case, movies: LiveMovies) -> None:
    """No 500s; statuses, content types and bodies as documented (POST with a valid token)."""
    case.call_and_validate(
        base_url=movies.url,
        headers=movies.auth,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
