"""schemathesis against the live app (real uvicorn, real 3-shard Postgres): no 500, and every
answer conforms to the documented status codes, content types and schemas.

Writes are sent with a token for the generated ``follower_id`` when it is a user id, so the
generated follows and unfollows get past authorization and exercise the database paths too.

The operations are driven with ``APIOperation.as_strategy`` and Hypothesis directly, because
schemathesis 4.32's pytest loader (``schemathesis.pytest.from_fixture``) reads
``request.node._nodeid``, which pytest 9 no longer has.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import Served

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("served", [3], indirect=True, ids=["3shards"])
def test_api_conforms_and_never_500s(served: Served, mint_token: Callable[..., str]) -> None:
    schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    tested = {f"{op.method.upper()} {op.path}" for op in operations}
    assert "PUT /users/{user_id}/followers/{follower_id}" in tested
    assert "GET /users/{user_id}/follow-ids" in tested

    def call(case: schemathesis.Case) -> None:
        headers = {}
        follower = (case.path_parameters or {}).get("follower_id")
        if case.method in ("PUT", "DELETE") and isinstance(follower, str):
            # A follower_id that is not a user id is invalid input anyway: no token then.
            with contextlib.suppress(ValueError):
                headers["Authorization"] = f"Bearer {mint_token(uuid.UUID(follower))}"
        case.call_and_validate(headers=headers, checks=CHECKS)

    for op in operations:
        # Operations without parameters (health, readiness) have no invalid input to make.
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if "{" in op.path else [])
        for mode in modes:

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=15,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                call(case)

            run()
